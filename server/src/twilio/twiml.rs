//! TwiML answers, built as text with XML escaping (a raw `&` breaks Twilio's parser).

/// Escapes text for an XML attribute or element.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// `<Connect><Stream>` (bidirectional Media Stream) with custom parameters; Twilio drops query
/// strings on Stream URLs, so data travels in `<Parameter>`s.
pub fn connect_stream(stream_url: &str, parameters: &[(&str, &str)]) -> String {
    let params: String = parameters
        .iter()
        .map(|(name, value)| {
            format!(
                r#"<Parameter name="{}" value="{}"/>"#,
                escape(name),
                escape(value)
            )
        })
        .collect();
    format!(
        r#"{HEAD}<Response><Connect><Stream url="{}">{params}</Stream></Connect></Response>"#,
        escape(stream_url)
    )
}

/// Says a short message (e.g. to an answering machine), then hangs up.
pub fn say_and_hang_up(message: &str, language: &str) -> String {
    format!(
        r#"{HEAD}<Response><Say language="{}">{}</Say><Hangup/></Response>"#,
        escape(language),
        escape(message)
    )
}

/// Hangs up at once.
pub fn hang_up() -> String {
    format!("{HEAD}<Response><Hangup/></Response>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_carries_its_parameters_escaped() {
        let xml = connect_stream(
            "wss://desk.example.com/api/v1/orders/7/twilio-media",
            &[("callId", "12"), ("token", "a&b")],
        );
        assert_eq!(
            xml,
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://desk.example.com/api/v1/orders/7/twilio-media"><Parameter name="callId" value="12"/><Parameter name="token" value="a&amp;b"/></Stream></Connect></Response>"#
        );
    }

    #[test]
    fn machine_messages_are_escaped_and_end_the_call() {
        let xml = say_and_hang_up("Orders <&> more", "fr-FR");
        assert!(xml.contains(r#"<Say language="fr-FR">Orders &lt;&amp;&gt; more</Say><Hangup/>"#));
        assert!(hang_up().ends_with("<Response><Hangup/></Response>"));
    }
}
