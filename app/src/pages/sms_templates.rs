//! Settings › Text templates (admin): each template's name, language, body and whether it is
//! the default, saved with its button; an unknown placeholder is refused with its name. The
//! placeholders are listed, and each body shows its live count of characters and segments.

use crate::api::{ApiError, SmsTemplateInput, SmsTemplateView};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::locale::use_locale;
use crate::pages::layout::action_error;
use crate::server_fns::sms::{DeleteSmsTemplate, SaveSmsTemplate};
use crate::sms::{count, Placeholder};
use leptos::prelude::*;

type Templates = Resource<Result<Vec<SmsTemplateView>, ApiError>>;

#[component]
pub fn TemplatesPanel(loaded: Templates) -> impl IntoView {
    let i18n = use_i18n();
    let placeholders: Vec<String> = Placeholder::ALL
        .iter()
        .map(|p| format!("{{{}}}", p.name()))
        .collect();
    view! {
        <section class="panel sms-templates" aria-label=move || t_string!(i18n, texts.templates.title)>
            <h2>{t!(i18n, texts.templates.title)}</h2>
            <p class="hint">
                {t!(i18n, texts.templates.placeholders)}{placeholders.join(" ")}{t!(i18n, texts.templates.escape_write)}
                "{{"{t!(i18n, texts.templates.escape_and)}"}}"{t!(i18n, texts.templates.escape_after)}
            </p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let templates = loaded.await.unwrap_or_default();
                    view! {
                        {templates.into_iter().map(|t| view! { <TemplateForm template=Some(t) loaded/> }).collect_view()}
                        <h3>{t!(i18n, texts.templates.new)}</h3>
                        <TemplateForm template=None loaded/>
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TemplateForm(template: Option<SmsTemplateView>, loaded: Templates) -> impl IntoView {
    let i18n = use_i18n();
    let locale = use_locale();
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
                <label>{t!(i18n, texts.templates.name)}<input name="input[name]" value=input.name required/></label>
                <label>{t!(i18n, texts.templates.language)}
                    <select name="input[language]">
                        <option value="fr" selected=language == "fr">{t!(i18n, texts.templates.french)}</option>
                        <option value="en" selected=language == "en">{t!(i18n, texts.templates.english)}</option>
                    </select>
                </label>
                <label class="inline">
                    <input type="checkbox" name="input[is_default]" value="true" checked=is_default/>{t!(i18n, texts.templates.default)}
                </label>
            </div>
            <label>{t!(i18n, texts.templates.message)}
                <textarea name="input[body]" rows="3" on:input=move |ev| body.set(event_target_value(&ev))>{input.body}</textarea>
            </label>
            <p class="hint sms-counter">{move || count(&body.get()).template_summary_in(locale)}</p>
            {action_error(save.value())}
            <div class="form-actions">
                <button type="submit" class="primary">{if id.is_some() {
                    td_string!(locale, texts.templates.save)
                } else {
                    td_string!(locale, texts.templates.add)
                }}</button>
                {id.filter(|_| !is_default).map(|id| view! {
                    <button type="button" on:click=move |_| { delete.dispatch(DeleteSmsTemplate { id }); }>{t!(i18n, texts.templates.delete)}</button>
                })}
            </div>
            {action_error(delete.value())}
        </ActionForm>
    }
}
