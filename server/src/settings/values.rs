//! Defaults and validation of each [`SettingKey`], pure. Validation returns the normalized value
//! to store, or the message shown under the field.

use app::api::SettingKey;
use phonenumber::country;

/// The OpenAI Realtime model used when none is configured (GA, not on the deprecation list).
pub const DEFAULT_OPENAI_MODEL: &str = "gpt-realtime-2.1";
/// The Gemini Live model used when none is configured (the stable native-audio Live model).
pub const DEFAULT_GEMINI_MODEL: &str = "gemini-3.8-live";

/// The placeholders an instructions or greeting template may use.
pub const PLACEHOLDERS: [&str; 7] = [
    "customer_name",
    "order_number",
    "delivery_window",
    "items",
    "address",
    "driver_name",
    "business_name",
];

/// The built-in greeting in `lang`: the greeting setting's default (French, as the default
/// agent language), and what a call in the other language says (`providers::language`).
pub fn default_greeting(lang: app::api::Lang) -> &'static str {
    match lang {
        app::api::Lang::Fr => "Bonjour {customer_name}, ici {business_name}. Je vous appelle au sujet de votre commande {order_number}.",
        app::api::Lang::En => "Hello {customer_name}, this is {business_name}. I am calling about your order {order_number}.",
    }
}

/// The compiled-in default of a key ("" means unset).
pub fn default_value(key: SettingKey) -> &'static str {
    match key {
        SettingKey::TwilioEnabled | SettingKey::AgentCaptureCalls => "false",
        SettingKey::OpenAiModel => DEFAULT_OPENAI_MODEL,
        SettingKey::OpenAiVoice => "marin",
        SettingKey::OpenAiAudioFormat => "audio/pcmu",
        SettingKey::GeminiModel => DEFAULT_GEMINI_MODEL,
        SettingKey::GeminiVoice => "Puck",
        SettingKey::AgentProvider => "openai",
        SettingKey::AgentLanguage => "fr-FR",
        SettingKey::BusinessName => "Orderline",
        SettingKey::AgentGreeting => default_greeting(app::api::Lang::Fr),
        SettingKey::AgentInstructions => "You are a friendly phone agent for {business_name}, a delivery business. You are calling {customer_name} about order {order_number}: {items}, to be delivered to {address} between {delivery_window} (driver: {driver_name}). Be brief and polite, answer questions about this order only, and end the call when the customer has no more questions.",
        SettingKey::AgentMaxCallMinutes => "5",
        SettingKey::AgentMachineBehaviour => "hang_up",
        SettingKey::MaxConcurrentCalls => "10",
        SettingKey::CallAllowedCountries => business_region(),
        SettingKey::BusinessTimeZone => server_time_zone(),
        SettingKey::Currency => "EUR",
        SettingKey::ShutdownGraceSeconds => "120",
        SettingKey::TwilioAccountSid
        | SettingKey::TwilioAuthToken
        | SettingKey::TwilioPhoneNumber
        | SettingKey::TwilioMessagingServiceSid
        | SettingKey::PublicBaseUrl
        | SettingKey::OpenAiApiKey
        | SettingKey::GeminiApiKey
        | SettingKey::MetricsToken => "",
    }
}

/// This machine's time zone (`TZ`, or what `/etc/localtime` names), read once; `UTC` when it is
/// not a zone name the display code knows.
pub fn server_time_zone() -> &'static str {
    static ZONE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ZONE.get_or_init(|| {
        iana_time_zone::get_timezone()
            .ok()
            .filter(|name| name.parse::<chrono_tz::Tz>().is_ok())
            .unwrap_or_else(|| "UTC".to_owned())
    })
}

/// The business's own country, the only one calls reach until an admin adds others: the
/// `DEFAULT_PHONE_REGION` that reads phone numbers, or FR.
pub fn business_region() -> &'static str {
    static REGION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    REGION.get_or_init(|| {
        std::env::var("DEFAULT_PHONE_REGION")
            .ok()
            .and_then(|name| name.trim().to_ascii_uppercase().parse::<country::Id>().ok())
            .unwrap_or(crate::config::DEFAULT_PHONE_REGION)
            .as_ref()
            .to_owned()
    })
}

/// A list of ISO 3166 country codes ("fr be" -> "FR, BE"), each one libphonenumber knows.
fn countries(value: &str) -> Result<String, String> {
    let mut codes: Vec<String> = Vec::new();
    for code in value.split(|c: char| c == ',' || c.is_whitespace()) {
        if code.is_empty() {
            continue;
        }
        let upper = code.to_ascii_uppercase();
        if upper.len() != 2 || upper.parse::<country::Id>().is_err() {
            return Err(format!(
                "{code} is not a country code: write two-letter ISO codes separated by commas, like FR, BE"
            ));
        }
        if !codes.contains(&upper) {
            codes.push(upper);
        }
    }
    if codes.is_empty() {
        return Err("is required: at least one country, like FR".into());
    }
    Ok(codes.join(", "))
}

/// The allowed countries of a stored `call_allowed_countries` value (unknown codes skipped).
pub fn allowed_countries(value: &str) -> Vec<country::Id> {
    value
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter_map(|code| code.trim().to_ascii_uppercase().parse().ok())
        .collect()
}

/// An IANA zone name, written as the database spells it (`europe/paris` -> `Europe/Paris`).
fn time_zone(value: &str) -> Result<String, String> {
    chrono_tz::TZ_VARIANTS
        .iter()
        .find(|zone| zone.name().eq_ignore_ascii_case(value))
        .map(|zone| zone.name().to_owned())
        .ok_or_else(|| {
            "is not a time zone name; write it like Europe/Paris or America/New_York".into()
        })
}

/// An ISO 4217 currency code: three letters, upper-cased.
fn currency(value: &str) -> Result<String, String> {
    if value.len() == 3 && value.chars().all(|c| c.is_ascii_alphabetic()) {
        Ok(value.to_ascii_uppercase())
    } else {
        Err("must be a three-letter currency code like EUR, USD or GBP".into())
    }
}

fn is_sid(value: &str, prefix: &str) -> bool {
    value.len() == 34
        && value.starts_with(prefix)
        && value[2..].chars().all(|c| c.is_ascii_hexdigit())
}

/// `+` then 2 to 15 digits, the first not 0 (ITU E.164).
pub fn is_e164(value: &str) -> bool {
    value.strip_prefix('+').is_some_and(|digits| {
        (2..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

/// The Twilio phone number, typed like order phones ("06 12 34 56 78" in France), stored as
/// E.164. A number already in E.164 is kept as typed even when libphonenumber's metadata
/// does not know it: Twilio decides which numbers exist (its test number +15005550006 is one
/// the metadata refuses), and "Test connection" checks the account owns it.
fn twilio_number(value: &str, region: country::Id) -> Result<String, String> {
    match crate::phone::parse_e164(value, region) {
        Ok(e164) => Ok(e164),
        Err(_) if is_e164(value) => Ok(value.to_owned()),
        Err(_) => Err(format!(
            "is not a valid phone number: write it as {}",
            phone_example(region)
        )),
    }
}

/// The region's example mobile number in both accepted forms ("+33612345678 or 06 12 34 56
/// 78"), so the hint matches what people in that region type.
fn phone_example(region: country::Id) -> String {
    let example = phonenumber::metadata::DATABASE
        .by_id(region.as_ref())
        .and_then(|meta| meta.descriptors().mobile()?.example().map(str::to_owned))
        .and_then(|national| phonenumber::parse(Some(region), national).ok());
    match example {
        Some(number) => format!(
            "{} or {}",
            number.format().mode(phonenumber::Mode::E164),
            number.format().mode(phonenumber::Mode::National)
        ),
        None => "+ then the country code and number, e.g. +33612345678".to_owned(),
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn bounded_number(value: &str, min: u32, max: u32) -> Result<String, String> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .map(|n| n.to_string())
        .ok_or_else(|| format!("must be a whole number from {min} to {max}"))
}

fn token_like(value: &str, what: &str) -> Result<String, String> {
    if (16..=512).contains(&value.len()) && value.chars().all(|c| c.is_ascii_graphic()) {
        Ok(value.to_owned())
    } else {
        Err(format!(
            "does not look like {what} (16 to 512 characters, no spaces)"
        ))
    }
}

fn name_like(value: &str) -> Result<String, String> {
    if !value.is_empty()
        && value.len() <= 100
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/'))
    {
        Ok(value.to_owned())
    } else {
        Err("must be a name like gpt-realtime-2.1 (letters, digits, - _ . : /)".into())
    }
}

/// Refuses `{placeholders}` the agent cannot fill.
fn template(value: &str, max: usize) -> Result<String, String> {
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    let mut rest = value;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let end = after.find('}').ok_or("has a { without its }")?;
        let name = &after[..end];
        if !PLACEHOLDERS.contains(&name) {
            let known: Vec<String> = PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect();
            return Err(format!(
                "{{{name}}} is not a placeholder; use {}",
                known.join(", ")
            ));
        }
        rest = &after[end + 1..];
    }
    Ok(value.to_owned())
}

/// The public base URL: https, or http only for a loopback host (local tests); no query.
pub fn public_base_url(value: &str) -> Result<String, String> {
    let url = url::Url::parse(value)
        .map_err(|_| "must be an absolute URL like https://abc.ngrok.app".to_owned())?;
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => {
            return Err(
                "must start with https:// (Twilio only calls https; http is allowed for localhost)"
                    .into(),
            )
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query string or fragment".into());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn choice(key: SettingKey, value: &str) -> Result<String, String> {
    let app::api::SettingKind::Choice(options) = key.kind() else {
        return Err("is not a choice".into());
    };
    options
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(name, _)| (*name).to_owned())
        .ok_or_else(|| {
            let names: Vec<&str> = options.iter().map(|(name, _)| *name).collect();
            format!("must be one of {}", names.join(", "))
        })
}

/// Validates and normalizes a value typed for `key`. An empty value clears optional keys. Phone
/// numbers without a country code are read in `phone_region` (`DEFAULT_PHONE_REGION`).
pub fn validate(key: SettingKey, raw: &str, phone_region: country::Id) -> Result<String, String> {
    let value = if key.kind() == app::api::SettingKind::LongText {
        raw.trim_end()
    } else {
        raw.trim()
    };
    let optional = matches!(
        key,
        SettingKey::TwilioAccountSid
            | SettingKey::TwilioAuthToken
            | SettingKey::TwilioPhoneNumber
            | SettingKey::TwilioMessagingServiceSid
            | SettingKey::PublicBaseUrl
            | SettingKey::OpenAiApiKey
            | SettingKey::GeminiApiKey
    );
    if value.is_empty() {
        return if optional {
            Ok(String::new())
        } else {
            Err("is required".into())
        };
    }
    match key {
        SettingKey::TwilioEnabled | SettingKey::AgentCaptureCalls => parse_bool(value)
            .map(|b| b.to_string())
            .ok_or_else(|| "must be true or false".into()),
        SettingKey::TwilioAccountSid => is_sid(value, "AC")
            .then(|| value.to_owned())
            .ok_or_else(|| "must be AC followed by 32 hexadecimal characters".into()),
        SettingKey::TwilioMessagingServiceSid => is_sid(value, "MG")
            .then(|| value.to_owned())
            .ok_or_else(|| "must be MG followed by 32 hexadecimal characters".into()),
        SettingKey::TwilioAuthToken => token_like(value, "a Twilio Auth Token"),
        SettingKey::TwilioPhoneNumber => twilio_number(value, phone_region),
        SettingKey::BusinessTimeZone => time_zone(value),
        SettingKey::Currency => currency(value),
        SettingKey::PublicBaseUrl => public_base_url(value),
        SettingKey::OpenAiApiKey => token_like(value, "an OpenAI API key"),
        SettingKey::GeminiApiKey => token_like(value, "a Gemini API key"),
        SettingKey::OpenAiModel
        | SettingKey::GeminiModel
        | SettingKey::OpenAiVoice
        | SettingKey::GeminiVoice => name_like(value),
        SettingKey::OpenAiAudioFormat
        | SettingKey::AgentProvider
        | SettingKey::AgentMachineBehaviour => choice(key, value),
        SettingKey::AgentLanguage => {
            let ok = value.len() <= 35
                && value.split('-').enumerate().all(|(i, part)| {
                    let len_ok = if i == 0 {
                        (2..=3).contains(&part.len())
                    } else {
                        (2..=8).contains(&part.len())
                    };
                    len_ok && part.chars().all(|c| c.is_ascii_alphanumeric())
                });
            ok.then(|| value.to_owned())
                .ok_or_else(|| "must be a language tag like fr-FR or en".into())
        }
        SettingKey::BusinessName => (value.chars().count() <= 100)
            .then(|| value.to_owned())
            .ok_or_else(|| "must be at most 100 characters".into()),
        SettingKey::AgentGreeting => template(value, 500),
        SettingKey::AgentInstructions => template(value, 8000),
        SettingKey::AgentMaxCallMinutes => bounded_number(value, 1, 60),
        SettingKey::MaxConcurrentCalls => bounded_number(value, 1, 1000),
        SettingKey::CallAllowedCountries => countries(value),
        SettingKey::ShutdownGraceSeconds => bounded_number(value, 0, 3600),
        SettingKey::MetricsToken => metrics_token(value),
    }
}

/// A bearer token for `/metrics`: 24 to 200 characters a header can carry, no spaces.
fn metrics_token(value: &str) -> Result<String, String> {
    let ok = (24..=200).contains(&value.len()) && value.chars().all(|c| c.is_ascii_graphic());
    ok.then(|| value.to_owned()).ok_or_else(|| {
        "must be 24 to 200 characters without spaces (e.g. from openssl rand -hex 24)".into()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn time_zone_and_currency_are_normalised() {
        assert_eq!(
            validate(SettingKey::BusinessTimeZone, "europe/paris"),
            Ok("Europe/Paris".to_owned())
        );
        assert!(validate(SettingKey::BusinessTimeZone, "Paris").is_err());
        assert_eq!(validate(SettingKey::Currency, "usd"), Ok("USD".to_owned()));
        assert!(validate(SettingKey::Currency, "EURO").is_err());
        assert!(server_time_zone().parse::<chrono_tz::Tz>().is_ok());
    }

    use super::*;
    use SettingKey::*;

    #[test]
    fn allowed_countries_are_iso_codes_and_default_to_the_business_s_own() {
        assert_eq!(
            validate(CallAllowedCountries, "fr be,  ch"),
            Ok("FR, BE, CH".to_owned())
        );
        let error = validate(CallAllowedCountries, "FR, France").unwrap_err();
        assert!(error.contains("France is not a country code"), "{error}");
        assert!(validate(CallAllowedCountries, "XX").is_err());
        assert!(validate(CallAllowedCountries, " , ").is_err());
        assert_eq!(
            allowed_countries("FR, BE"),
            [country::Id::FR, country::Id::BE]
        );
        // No DEFAULT_PHONE_REGION in the tests: France, like the phone numbers.
        assert_eq!(default_value(CallAllowedCountries), "FR");
    }

    /// The tests read national numbers as French, like the default `DEFAULT_PHONE_REGION`.
    fn validate(key: SettingKey, raw: &str) -> Result<String, String> {
        super::validate(key, raw, country::Id::FR)
    }

    #[test]
    fn every_refusal_of_a_setting_is_said_in_french_too() {
        let bad = [
            "",
            " ",
            "x",
            "not valid ?#",
            "99999999",
            "-1",
            "ftp://x",
            "http://example.com",
            "https://a.b/?q=1",
            "zz",
            "é",
        ];
        let mut messages = Vec::new();
        for &key in SettingKey::ALL {
            for value in bad {
                if let Err(message) = validate(key, value) {
                    messages.push(message);
                }
            }
        }
        messages.sort();
        messages.dedup();
        assert!(messages.len() >= 12, "{messages:?}");
        let unknown = app::api::unknown_words(messages);
        assert!(
            unknown.is_empty(),
            "not in app/locales/*/common.json: {unknown:#?}"
        );
    }

    #[test]
    fn sids_need_their_prefix_and_32_hex_characters() {
        let sid = format!("AC{}", "a1".repeat(16));
        assert_eq!(
            validate(TwilioAccountSid, &format!(" {sid} ")),
            Ok(sid.clone())
        );
        assert!(validate(TwilioAccountSid, &sid.replace("AC", "MG")).is_err());
        assert!(validate(TwilioAccountSid, "AC123").is_err());
        assert!(validate(TwilioMessagingServiceSid, &format!("MG{}", "0".repeat(32))).is_ok());
        assert!(validate(TwilioMessagingServiceSid, &format!("MG{}", "z".repeat(32))).is_err());
    }

    #[test]
    fn phone_numbers_are_read_like_order_phones_and_stored_as_e164() {
        for typed in [
            "06 12 34 56 78",
            "06.12.34.56.78",
            "+33 6 12 34 56 78",
            "0033612345678",
        ] {
            assert_eq!(
                validate(TwilioPhoneNumber, typed),
                Ok("+33612345678".into()),
                "{typed}"
            );
        }
        assert_eq!(
            super::validate(TwilioPhoneNumber, "(415) 867-5309", country::Id::US),
            Ok("+14158675309".into())
        );
    }

    #[test]
    fn e164_numbers_unknown_to_the_metadata_are_kept_for_twilio_to_judge() {
        for kept in ["+15005550006", "+1234567890"] {
            assert_eq!(validate(TwilioPhoneNumber, kept), Ok(kept.into()), "{kept}");
        }
    }

    #[test]
    fn invalid_phone_numbers_say_how_to_write_one_in_the_region() {
        for bad in [
            "0612",
            "hello",
            "+0123",
            "+1 234 567",
            "+1234567890123456",
            "+",
        ] {
            assert_eq!(
                validate(TwilioPhoneNumber, bad),
                Err(
                    "is not a valid phone number: write it as +33612345678 or 06 12 34 56 78"
                        .into()
                ),
                "{bad}"
            );
        }
        let us = super::validate(TwilioPhoneNumber, "0612", country::Id::US).unwrap_err();
        assert!(
            us.starts_with("is not a valid phone number: write it as +1"),
            "{us}"
        );
    }

    #[test]
    fn public_urls_must_be_https_except_on_loopback() {
        assert_eq!(
            validate(PublicBaseUrl, "https://abc.ngrok.app/"),
            Ok("https://abc.ngrok.app".into())
        );
        assert_eq!(
            validate(PublicBaseUrl, "http://127.0.0.1:3000"),
            Ok("http://127.0.0.1:3000".into())
        );
        assert!(validate(PublicBaseUrl, "http://example.com").is_err());
        assert!(validate(PublicBaseUrl, "https://x.example/?a=1").is_err());
        assert!(validate(PublicBaseUrl, "not a url").is_err());
    }

    #[test]
    fn templates_only_accept_known_placeholders() {
        assert!(validate(
            AgentInstructions,
            "Call {customer_name} about {order_number}"
        )
        .is_ok());
        let error = validate(AgentInstructions, "Hi {custmer_name}").unwrap_err();
        assert!(
            error.contains("{custmer_name}") && error.contains("{customer_name}"),
            "{error}"
        );
        assert!(validate(AgentGreeting, "Hi {customer_name").is_err());
    }

    #[test]
    fn switches_numbers_and_choices_are_normalized() {
        assert_eq!(validate(TwilioEnabled, "ON"), Ok("true".into()));
        assert!(validate(TwilioEnabled, "maybe").is_err());
        assert_eq!(validate(MaxConcurrentCalls, " 12 "), Ok("12".into()));
        assert!(validate(AgentMaxCallMinutes, "0").is_err());
        assert!(validate(AgentProvider, "gemini").is_ok());
        assert!(validate(AgentProvider, "skype").is_err());
        assert!(validate(AgentLanguage, "fr-FR").is_ok());
        assert!(validate(AgentLanguage, "français").is_err());
    }

    #[test]
    fn optional_keys_clear_and_required_keys_refuse_empty() {
        assert_eq!(validate(TwilioAuthToken, "  "), Ok(String::new()));
        assert!(validate(OpenAiModel, "").is_err());
    }

    #[test]
    fn every_default_is_itself_valid_or_empty() {
        for key in SettingKey::ALL {
            let default = default_value(*key);
            if !default.is_empty() {
                assert_eq!(validate(*key, default).as_deref(), Ok(default), "{key:?}");
            }
        }
    }
}
