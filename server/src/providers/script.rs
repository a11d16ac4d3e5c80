//! What the agent is told, the same for every provider: the instructions and greeting rendered
//! from the settings' templates and the call's order, and the five tools it may call. Pure: no
//! IO, no provider JSON beyond the tools' JSON Schemas (each provider wraps them its own way).

use super::language;
use crate::settings::EffectiveSettings;
use app::api::SettingKey;
use serde_json::{json, Value};

/// The facts of one order that the templates' placeholders (`settings::values::PLACEHOLDERS`)
/// name, already formatted for speech.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFacts {
    pub customer_name: String,
    pub order_number: String,
    pub delivery_window: String,
    pub items: String,
    pub address: String,
    pub driver_name: String,
    pub business_name: String,
}

impl OrderFacts {
    /// The value of a placeholder, or `None` for a name that is not one.
    fn placeholder(&self, name: &str) -> Option<&str> {
        Some(match name {
            "customer_name" => &self.customer_name,
            "order_number" => &self.order_number,
            "delivery_window" => &self.delivery_window,
            "items" => &self.items,
            "address" => &self.address,
            "driver_name" => &self.driver_name,
            "business_name" => &self.business_name,
            _ => return None,
        })
    }
}

/// Fills each `{placeholder}` of `template` from `facts`. Braces that do not enclose a known
/// placeholder are kept as written (validation refuses them on save; older rows may hold them).
pub fn render_template(template: &str, facts: &OrderFacts) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after
            .find('}')
            .and_then(|close| Some((close, facts.placeholder(&after[..close])?)))
        {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The agent's part of one call, rendered for its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentScript {
    /// The system instructions.
    pub instructions: String,
    /// What the agent says first, as soon as the stream starts.
    pub greeting: String,
    /// BCP 47 tag (`fr-FR`): the language spoken and transcribed.
    pub language: String,
}

impl AgentScript {
    /// Renders the instructions and greeting templates of `settings` for `facts`, for a call
    /// in `language` (see [`super::language`]).
    pub fn from_settings(settings: &EffectiveSettings, facts: &OrderFacts, language: &str) -> Self {
        let business = settings.get(SettingKey::AgentLanguage);
        let greeting = language::greeting_template(
            settings.get(SettingKey::AgentGreeting),
            business,
            language,
        );
        let mut instructions = render_template(settings.get(SettingKey::AgentInstructions), facts);
        instructions.push_str("\n\n");
        instructions.push_str(&language::language_rule(language));
        AgentScript {
            instructions,
            greeting: render_template(greeting, facts),
            language: language.to_owned(),
        }
    }

    /// The turn that makes the agent speak first: the greeting, said as written.
    pub fn greeting_prompt(&self) -> String {
        format!(
            "The call has just been answered. Greet the caller by saying exactly: {}",
            self.greeting
        )
    }
}

/// The tools the agent may call, all scoped to the call's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    GetOrderDetails,
    AddDeliveryNote,
    ConfirmDeliveryWindow,
    RequestNewDeliveryWindow,
    EndCall,
}

impl Tool {
    /// Every tool, in the order they are declared to the model.
    pub const ALL: [Tool; 5] = [
        Tool::GetOrderDetails,
        Tool::AddDeliveryNote,
        Tool::ConfirmDeliveryWindow,
        Tool::RequestNewDeliveryWindow,
        Tool::EndCall,
    ];

    /// The function name the model uses.
    pub fn name(self) -> &'static str {
        match self {
            Tool::GetOrderDetails => "get_order_details",
            Tool::AddDeliveryNote => "add_delivery_note",
            Tool::ConfirmDeliveryWindow => "confirm_delivery_window",
            Tool::RequestNewDeliveryWindow => "request_new_delivery_window",
            Tool::EndCall => "end_call",
        }
    }

    /// The tool a model's function name means (`None`: the model made one up).
    pub fn from_name(name: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|tool| tool.name() == name)
    }

    /// What the tool is for, told to the model.
    pub fn description(self) -> &'static str {
        match self {
            Tool::GetOrderDetails => "Get the details of the order this call is about: items, address, delivery window, status.",
            Tool::AddDeliveryNote => "Add a note for the driver to the order (door code, where to leave the parcel...).",
            Tool::ConfirmDeliveryWindow => "Record that the customer confirms the planned delivery window.",
            Tool::RequestNewDeliveryWindow => "Record that the customer asks for another delivery window, and which one.",
            Tool::EndCall => "Hang up, after saying goodbye, when the customer has no more questions.",
        }
    }

    /// The JSON Schema of the arguments (lower-case types, as OpenAI takes them).
    pub fn parameters(self) -> Value {
        let text = |description: &str| json!({"type": "string", "description": description});
        let object = |properties: Value, required: &[&str]| json!({"type": "object", "properties": properties, "required": required});
        match self {
            Tool::GetOrderDetails | Tool::ConfirmDeliveryWindow => object(json!({}), &[]),
            Tool::AddDeliveryNote => object(
                json!({"note": text("The note, in the customer's words.")}),
                &["note"],
            ),
            Tool::RequestNewDeliveryWindow => object(
                json!({"preferred_window": text("The window the customer wants, e.g. 'tomorrow 14:00-16:00'."),
                       "reason": text("Why, if the customer said.")}),
                &["preferred_window"],
            ),
            Tool::EndCall => object(json!({"reason": text("Why the call ends.")}), &[]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::values::PLACEHOLDERS;

    fn facts() -> OrderFacts {
        OrderFacts {
            customer_name: "Marie Curie".into(),
            order_number: "A-1042".into(),
            delivery_window: "14:00 and 16:00".into(),
            items: "2 baguettes".into(),
            address: "1 rue de Rivoli".into(),
            driver_name: "Paul".into(),
            business_name: "Boulangerie Lune".into(),
        }
    }

    #[test]
    fn every_placeholder_is_filled_from_the_order() {
        let template: String = PLACEHOLDERS.iter().map(|p| format!("<{{{p}}}>")).collect();
        assert_eq!(
            render_template(&template, &facts()),
            "<Marie Curie><A-1042><14:00 and 16:00><2 baguettes><1 rue de Rivoli><Paul><Boulangerie Lune>"
        );
    }

    #[test]
    fn unknown_or_unclosed_braces_are_kept_as_written() {
        assert_eq!(
            render_template("{x} {customer_name} {order_number", &facts()),
            "{x} Marie Curie {order_number"
        );
        assert_eq!(
            render_template("{}{{customer_name}}", &facts()),
            "{}{Marie Curie}"
        );
    }

    #[test]
    fn tool_names_round_trip_and_unknown_names_are_none() {
        for tool in Tool::ALL {
            assert_eq!(Tool::from_name(tool.name()), Some(tool));
            assert_eq!(tool.parameters()["type"], "object");
        }
        assert_eq!(Tool::from_name("delete_all_orders"), None);
    }
}
