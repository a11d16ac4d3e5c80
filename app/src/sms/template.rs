//! SMS templates: text with placeholders filled in from an order when the message is sent.
//!
//! Rules:
//! - A placeholder is a name between braces, e.g. `{customer_name}`; the names are those of
//!   [`Placeholder`], written exactly (lower case, no spaces inside the braces).
//! - `{{` writes a literal `{` and `}}` a literal `}`. A lone `}` is also taken literally, but a
//!   `{` must be either doubled or closed by `}` before the next `{` or the end of the text.
//! - A template must not be empty (or only whitespace) nor longer than Twilio's 1600-character
//!   `Body` limit ([`segments::MAX_CHARACTERS`]); a rendered message must fit the same limit.
//!
//! [`DEFAULT_TEMPLATES`] are offered to a new business: French first (the default), then English.
//! Both stay in the GSM-7 alphabet so that a typical message costs one or two segments.

use super::segments;
use crate::i18n::{td_string, Locale};
use crate::locale::fill;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A value that can be inserted in a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Placeholder {
    /// `{customer_name}`
    CustomerName,
    /// `{order_number}`
    OrderNumber,
    /// `{delivery_window}`
    DeliveryWindow,
    /// `{driver_name}`
    DriverName,
    /// `{driver_phone}`
    DriverPhone,
    /// `{business_name}`
    BusinessName,
    /// `{total}`
    Total,
}

impl Placeholder {
    /// Every placeholder, in the order they are offered to the user.
    pub const ALL: [Placeholder; 7] = [
        Placeholder::CustomerName,
        Placeholder::OrderNumber,
        Placeholder::DeliveryWindow,
        Placeholder::DriverName,
        Placeholder::DriverPhone,
        Placeholder::BusinessName,
        Placeholder::Total,
    ];

    /// The name written between braces, e.g. `"customer_name"`.
    pub fn name(self) -> &'static str {
        match self {
            Placeholder::CustomerName => "customer_name",
            Placeholder::OrderNumber => "order_number",
            Placeholder::DeliveryWindow => "delivery_window",
            Placeholder::DriverName => "driver_name",
            Placeholder::DriverPhone => "driver_phone",
            Placeholder::BusinessName => "business_name",
            Placeholder::Total => "total",
        }
    }

    /// The placeholder called `name` (without braces), if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// Why a template cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TemplateError {
    /// The template is empty or only whitespace.
    Empty,
    /// A `{name}` whose name is not a [`Placeholder`]; holds the name without braces.
    UnknownPlaceholder(String),
    /// A `{` that is neither doubled nor closed by `}`.
    Unclosed,
    /// The template, or the rendered message, is over 1600 characters.
    TooLong,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One wording, in app/locales: English here (the server's messages).
        f.write_str(&self.message_in(Locale::en))
    }
}

impl std::error::Error for TemplateError {}

impl TemplateError {
    /// The message in `locale`'s words (in English, the same as its `Display`).
    pub fn message_in(&self, locale: Locale) -> String {
        match self {
            TemplateError::Empty => td_string!(locale, texts.template_errors.empty).to_owned(),
            TemplateError::UnknownPlaceholder(name) => {
                let list: Vec<String> = Placeholder::ALL
                    .iter()
                    .map(|p| format!("{{{}}}", p.name()))
                    .collect();
                let text = td_string!(locale, texts.template_errors.unknown_placeholder);
                // The list first: the unknown name could itself be `{list}`.
                let text = fill(text, &[("list", &list.join(", "))]);
                fill(&text, &[("name", &format!("{{{name}}}"))])
            }
            TemplateError::Unclosed => fill(
                td_string!(locale, texts.template_errors.unclosed),
                &[("open", "{"), ("close", "}"), ("escaped", "{{")],
            ),
            TemplateError::TooLong => fill(
                td_string!(locale, texts.template_errors.too_long),
                &[("max", &segments::MAX_CHARACTERS.to_string())],
            ),
        }
    }
}

/// The values of the placeholders for one message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateValues {
    /// `{customer_name}`
    pub customer_name: String,
    /// `{order_number}`
    pub order_number: String,
    /// `{delivery_window}`, e.g. "demain entre 14h et 16h".
    pub delivery_window: String,
    /// `{driver_name}`
    pub driver_name: String,
    /// `{driver_phone}`
    pub driver_phone: String,
    /// `{business_name}`
    pub business_name: String,
    /// `{total}`, already formatted with its currency.
    pub total: String,
}

impl TemplateValues {
    /// The value for `placeholder`.
    pub fn get(&self, placeholder: Placeholder) -> &str {
        match placeholder {
            Placeholder::CustomerName => &self.customer_name,
            Placeholder::OrderNumber => &self.order_number,
            Placeholder::DeliveryWindow => &self.delivery_window,
            Placeholder::DriverName => &self.driver_name,
            Placeholder::DriverPhone => &self.driver_phone,
            Placeholder::BusinessName => &self.business_name,
            Placeholder::Total => &self.total,
        }
    }
}

/// Replaces escaped braces and placeholders of `body`, checking its syntax.
fn expand(body: &str, values: &TemplateValues) -> Result<String, TemplateError> {
    let mut message = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(brace) = rest.find(['{', '}']) {
        message.push_str(&rest[..brace]);
        let after = &rest[brace + 1..];
        if rest[brace..].starts_with('}') {
            // `}}` is one literal brace; a lone `}` is literal too.
            message.push('}');
            rest = after.strip_prefix('}').unwrap_or(after);
        } else if let Some(after_escape) = after.strip_prefix('{') {
            message.push('{');
            rest = after_escape;
        } else {
            let close = after.find('}').ok_or(TemplateError::Unclosed)?;
            let name = &after[..close];
            if name.contains('{') {
                return Err(TemplateError::Unclosed);
            }
            let placeholder = Placeholder::from_name(name)
                .ok_or_else(|| TemplateError::UnknownPlaceholder(name.to_string()))?;
            message.push_str(values.get(placeholder));
            rest = &after[close + 1..];
        }
    }
    message.push_str(rest);
    Ok(message)
}

/// Checks that `body` can be used as a template.
pub fn validate(body: &str) -> Result<(), TemplateError> {
    if body.trim().is_empty() {
        return Err(TemplateError::Empty);
    }
    if segments::too_long(body) {
        return Err(TemplateError::TooLong);
    }
    expand(body, &TemplateValues::default()).map(|_| ())
}

/// Fills the placeholders of `body` with `values`. Fails as [`validate`] does, and with
/// [`TemplateError::TooLong`] if the result is over 1600 characters.
pub fn render(body: &str, values: &TemplateValues) -> Result<String, TemplateError> {
    validate(body)?;
    let message = expand(body, values)?;
    if segments::too_long(&message) {
        return Err(TemplateError::TooLong);
    }
    Ok(message)
}

/// A template offered to a new business.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultTemplate {
    /// Its name in the template list.
    pub name: &'static str,
    /// BCP 47 language code, e.g. `"fr"`.
    pub language: &'static str,
    /// The template text.
    pub body: &'static str,
}

/// The templates a new business starts with; the first is the default.
pub const DEFAULT_TEMPLATES: [DefaultTemplate; 2] = [
    DefaultTemplate {
        name: "Livraison prévue",
        language: "fr",
        body: "Bonjour {customer_name}, votre commande {order_number} sera livrée \
               {delivery_window} par {driver_name} ({driver_phone}). {business_name}",
    },
    DefaultTemplate {
        name: "Delivery scheduled",
        language: "en",
        body: "Hello {customer_name}, your order {order_number} will be delivered \
               {delivery_window} by {driver_name} ({driver_phone}). {business_name}",
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sms::segments::{count, Encoding};

    fn typical() -> TemplateValues {
        TemplateValues {
            customer_name: "Marie Dupont".into(),
            order_number: "CMD-10452".into(),
            delivery_window: "demain entre 14h et 16h".into(),
            driver_name: "Karim".into(),
            driver_phone: "+33 6 12 34 56 78".into(),
            business_name: "Boulangerie Martin".into(),
            total: "42,50 €".into(),
        }
    }

    #[test]
    fn placeholder_names_round_trip() {
        for placeholder in Placeholder::ALL {
            assert_eq!(
                Placeholder::from_name(placeholder.name()),
                Some(placeholder)
            );
        }
        assert_eq!(Placeholder::from_name("Customer_Name"), None);
        assert_eq!(Placeholder::from_name("{total}"), None);
    }

    #[test]
    fn renders_every_placeholder() {
        let body = Placeholder::ALL
            .iter()
            .map(|p| format!("{}={{{}}}", p.name(), p.name()))
            .collect::<Vec<_>>()
            .join(";");
        let rendered = render(&body, &typical());
        assert_eq!(
            rendered.as_deref(),
            Ok("customer_name=Marie Dupont;order_number=CMD-10452;\
                delivery_window=demain entre 14h et 16h;driver_name=Karim;\
                driver_phone=+33 6 12 34 56 78;business_name=Boulangerie Martin;total=42,50 €")
        );
        assert_eq!(
            render("{total}{total}", &typical()).as_deref(),
            Ok("42,50 €42,50 €")
        );
    }

    #[test]
    fn unknown_placeholder_is_refused_with_its_name() {
        let error = validate("Bonjour {customer_nam}!").unwrap_err();
        assert_eq!(
            error,
            TemplateError::UnknownPlaceholder("customer_nam".into())
        );
        let message = error.to_string();
        assert_eq!(
            message,
            "unknown placeholder {customer_nam}; use one of {customer_name}, {order_number}, \
             {delivery_window}, {driver_name}, {driver_phone}, {business_name}, {total}"
        );
        assert_eq!(
            validate("{ total }"),
            Err(TemplateError::UnknownPlaceholder(" total ".into()))
        );
        assert_eq!(
            validate("{}"),
            Err(TemplateError::UnknownPlaceholder(String::new()))
        );
    }

    #[test]
    fn doubled_braces_are_literal() {
        let values = typical();
        assert_eq!(
            render("{{total}} = {total}", &values).as_deref(),
            Ok("{total} = 42,50 €")
        );
        assert_eq!(render("a }} b", &values).as_deref(), Ok("a } b"));
        let text = "Votre commande arrive. À bientôt!";
        assert_eq!(render(text, &values).as_deref(), Ok(text));
        assert_eq!(render("a } b", &values).as_deref(), Ok("a } b"));
        assert_eq!(
            render("{{{order_number}}}", &values).as_deref(),
            Ok("{CMD-10452}")
        );
    }

    #[test]
    fn unclosed_brace_is_refused() {
        assert_eq!(
            validate("Bonjour {customer_name"),
            Err(TemplateError::Unclosed)
        );
        assert_eq!(validate("Total: {"), Err(TemplateError::Unclosed));
        assert_eq!(
            validate("{customer {order_number}"),
            Err(TemplateError::Unclosed)
        );
        assert!(TemplateError::Unclosed.to_string().contains("{{"));
    }

    #[test]
    fn empty_and_too_long_are_refused() {
        assert_eq!(validate(""), Err(TemplateError::Empty));
        assert_eq!(validate(" \n\t"), Err(TemplateError::Empty));
        assert_eq!(validate(&"a".repeat(1601)), Err(TemplateError::TooLong));
        assert_eq!(validate(&"a".repeat(1600)), Ok(()));
        // Short enough as written, too long once filled in.
        let values = TemplateValues {
            customer_name: "x".repeat(1595),
            ..typical()
        };
        assert_eq!(
            render("Bonjour {customer_name}", &values),
            Err(TemplateError::TooLong)
        );
        assert!(TemplateError::TooLong.to_string().contains("1600"));
    }

    #[test]
    fn default_templates_validate_and_stay_gsm7() {
        assert_eq!(DEFAULT_TEMPLATES[0].language, "fr");
        assert_eq!(DEFAULT_TEMPLATES[1].language, "en");
        for template in DEFAULT_TEMPLATES {
            assert_eq!(validate(template.body), Ok(()), "{}", template.name);
            assert_eq!(count(template.body).encoding, Encoding::Gsm7);
            let counted = count(&render(template.body, &typical()).unwrap());
            assert_eq!(counted.encoding, Encoding::Gsm7);
            assert!((1..=2).contains(&counted.segments), "{counted:?}");
        }
        let rendered = render(DEFAULT_TEMPLATES[0].body, &typical());
        assert_eq!(
            rendered.as_deref(),
            Ok(
                "Bonjour Marie Dupont, votre commande CMD-10452 sera livrée demain entre \
                14h et 16h par Karim (+33 6 12 34 56 78). Boulangerie Martin"
            )
        );
    }
}
