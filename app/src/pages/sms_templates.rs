//! Settings › Text templates (admin): each template's name, language, body and whether it is
//! the default, saved with its button; an unknown placeholder is refused with its name. The
//! placeholders are listed, and each body shows its live count of characters and segments.

use crate::api::{ApiError, SmsTemplateInput, SmsTemplateView};
use crate::pages::layout::action_error;
use crate::server_fns::sms::{DeleteSmsTemplate, SaveSmsTemplate};
use crate::sms::{count, Placeholder};
use leptos::prelude::*;

type Templates = Resource<Result<Vec<SmsTemplateView>, ApiError>>;

#[component]
pub fn TemplatesPanel(loaded: Templates) -> impl IntoView {
    let placeholders: Vec<String> = Placeholder::ALL
        .iter()
        .map(|p| format!("{{{}}}", p.name()))
        .collect();
    view! {
        <section class="panel sms-templates" aria-label="Text templates">
            <h2>"Text templates"</h2>
            <p class="hint">"Placeholders: "{placeholders.join(" ")}" (write {{ and }} for a brace)."</p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let templates = loaded.await.unwrap_or_default();
                    view! {
                        {templates.into_iter().map(|t| view! { <TemplateForm template=Some(t) loaded/> }).collect_view()}
                        <h3>"New template"</h3>
                        <TemplateForm template=None loaded/>
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TemplateForm(template: Option<SmsTemplateView>, loaded: Templates) -> impl IntoView {
    let save = ServerAction::<SaveSmsTemplate>::new();
    let delete = ServerAction::<DeleteSmsTemplate>::new();
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(_))) || matches!(delete.value().get(), Some(Ok(())))
        {
            loaded.refetch();
        }
    });
    let input = template.as_ref().map_or_else(
        || SmsTemplateInput {
            language: "fr".into(),
            ..Default::default()
        },
        |t| SmsTemplateInput {
            name: t.name.clone(),
            language: t.language.clone(),
            body: t.body.clone(),
            is_default: t.is_default,
        },
    );
    let id = template.as_ref().map(|t| t.id);
    let is_default = input.is_default;
    let body = RwSignal::new(input.body.clone());
    let language = input.language.clone();
    view! {
        <ActionForm action=save attr:class="template-form" attr:data-template-id=id.map(|i| i.to_string()).unwrap_or_default()>
            {id.map(|id| view! { <input type="hidden" name="id" value=id/> })}
            <div class="row">
                <label>"Name"<input name="input[name]" value=input.name required/></label>
                <label>"Language"
                    <select name="input[language]">
                        <option value="fr" selected=language == "fr">"French"</option>
                        <option value="en" selected=language == "en">"English"</option>
                    </select>
                </label>
                <label class="inline">
                    <input type="checkbox" name="input[is_default]" value="true" checked=is_default/>"Default"
                </label>
            </div>
            <label>"Message"
                <textarea name="input[body]" rows="3" on:input=move |ev| body.set(event_target_value(&ev))>{input.body}</textarea>
            </label>
            <p class="hint sms-counter">{move || {
                let c = count(&body.get());
                format!("{} characters before filling in, {} segment(s)", c.characters, c.segments)
            }}</p>
            {action_error(save.value())}
            <div class="form-actions">
                <button type="submit" class="primary">{if id.is_some() { "Save template" } else { "Add template" }}</button>
                {id.filter(|_| !is_default).map(|id| view! {
                    <button type="button" on:click=move |_| { delete.dispatch(DeleteSmsTemplate { id }); }>"Delete"</button>
                })}
            </div>
            {action_error(delete.value())}
        </ActionForm>
    }
}
