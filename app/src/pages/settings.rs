//! Settings > Connections: one section per connection, every field autosaved through a server
//! function (text on blur or 800 ms after typing stops, switches and choices at once), env-pinned
//! fields locked, secrets shown only as "set, ends in …" with a Replace action.

use crate::api::{
    field_message, server_words, sms_inbound_url, webhook_urls, ConnectionTest, Section,
    SettingKey, SettingKind, SettingView,
};
use crate::i18n::{t, td_string, use_i18n};
use crate::locale::{fill, use_locale};
use crate::pages::layout::{action_error, ErrorPanel};
use crate::server_fns::settings::{list_settings, settings_audit, SaveSetting, TestConnection};
use leptos::prelude::*;
use std::time::Duration;

/// What a section's status line says.
#[derive(Debug, Clone, PartialEq)]
enum SaveStatus {
    Idle,
    Saving,
    Saved,
    Failed(String),
}

/// The page.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| list_settings());
    let audit_version = RwSignal::new(0u32);
    // Created here, with the page, not inside the Suspend below: a resource created while a
    // Suspend resolves is not in the server's serialized data the same way, and hydrating the
    // page directly (not through navigation) failed on the Changes list.
    let audit = Resource::new(move || audit_version.get(), |_| settings_audit());
    let templates = Resource::new(|| (), |_| crate::server_fns::sms::sms_templates());
    let i18n = use_i18n();
    view! {
        <leptos_meta::Title text=td_string!(use_locale(), settings.title)/>
        <Suspense fallback=move || view! { <p class="loading">{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    Ok(views) => {
                        let public_url = RwSignal::new(value_of(&views, SettingKey::PublicBaseUrl));
                        view! {
                            <h1>{t!(i18n, settings.connections.heading)}</h1>
                            {Section::ALL.into_iter().map(|section| view! {
                                <SectionPanel section views=views.clone() audit_version public_url/>
                            }).collect_view()}
                            <crate::pages::sms_templates::TemplatesPanel loaded=templates/>
                            <AuditLog entries=audit/>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn value_of(views: &[SettingView], key: SettingKey) -> String {
    views
        .iter()
        .find(|v| v.key == key)
        .map(|v| v.value.clone())
        .unwrap_or_default()
}

#[component]
fn SectionPanel(
    section: Section,
    views: Vec<SettingView>,
    audit_version: RwSignal<u32>,
    public_url: RwSignal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let locale = use_locale();
    let status = RwSignal::new(SaveStatus::Idle);
    let fields = SettingKey::in_section(section)
        .filter_map(|key| views.iter().find(|v| v.key == key).cloned())
        .map(|view| view! { <Field view status audit_version public_url/> })
        .collect_view();
    let status_line = move || match status.get() {
        SaveStatus::Idle => view! { <span class="save-status"></span> }.into_any(),
        SaveStatus::Saving => view! {
            <span class="save-status saving">{t!(i18n, settings.connections.saving)}</span>
        }
        .into_any(),
        SaveStatus::Saved => view! {
            <span class="save-status saved">{t!(i18n, settings.connections.saved)}</span>
        }
        .into_any(),
        SaveStatus::Failed(message) => view! {
            <span class="save-status failed">
                {fill(td_string!(locale, settings.connections.not_saved), &[("message", &message)])}
            </span>
        }
        .into_any(),
    };
    // The anchor stays English (a stable `id`); the heading is in the reader's language.
    let id = format!(
        "section-{}",
        section.title().to_lowercase().replace(' ', "-")
    );
    view! {
        <section class="panel settings-section" id=id>
            <div class="title-row">
                <h2>{section.title_in(locale)}</h2>
                <div role="status" aria-live="polite">{status_line}</div>
            </div>
            {fields}
            {(section == Section::Agent).then(|| view! { <p class="hint">{t!(i18n, settings.connections.agent_language_rule)}</p> })}
            {(section == Section::Twilio).then(|| view! { <WebhookUrls public_url/> })}
            {matches!(section, Section::Twilio | Section::OpenAi | Section::Gemini).then(|| view! { <TestButton section/> })}
        </section>
    }
}

#[component]
fn WebhookUrls(public_url: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="webhooks">
            {move || {
                let base = public_url.get();
                if base.is_empty() {
                    view! { <p class="hint">{t!(i18n, settings.connections.webhooks.need_base_url)}</p> }.into_any()
                } else {
                    view! {
                        <p class="hint">{t!(i18n, settings.connections.webhooks.twilio_will_call)}</p>
                        <ul>{webhook_urls(&base).into_iter().map(|url| view! { <li><code>{url}</code></li> }).collect_view()}</ul>
                        <p class="hint">{t!(i18n, settings.connections.webhooks.sms_inbound)}</p>
                        <p><code class="sms-inbound-url">{sms_inbound_url(&base)}</code></p>
                    }.into_any()
                }
            }}
        </div>
    }
}

#[component]
fn TestButton(section: Section) -> impl IntoView {
    let test = ServerAction::<TestConnection>::new();
    let i18n = use_i18n();
    let locale = use_locale();
    let label = if section == Section::Twilio {
        td_string!(locale, settings.connections.test_connection)
    } else {
        td_string!(locale, settings.connections.test)
    };
    view! {
        <div class="connection-test">
            <button type="button" disabled=move || test.pending().get()
                on:click=move |_| { test.dispatch(TestConnection { section }); }>
                {label}
            </button>
            {move || test.pending().get().then(|| view! { <span class="hint">" "{t!(i18n, settings.connections.testing)}</span> })}
            {action_error(test.value())}
            {move || test.value().get().and_then(Result::ok).map(|result| view! { <TestResult result/> })}
        </div>
    }
}

#[component]
fn TestResult(result: ConnectionTest) -> impl IntoView {
    let ok = result.ok();
    let locale = use_locale();
    let summary = if ok {
        td_string!(locale, settings.connections.connection_ok)
    } else {
        td_string!(locale, settings.connections.connection_failed)
    };
    view! {
        <div class=if ok { "test-result ok" } else { "test-result failed" } role="status">
            <strong>{summary}</strong>
            <ul>
                {result.lines.into_iter().map(|line| view! {
                    <li class=if line.ok { "ok" } else { "failed" }>
                        {if line.ok { "✓ " } else { "✗ " }}{line.label}": "{line.detail}
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
}

/// One field: renders by kind, saves itself, reports to the section status.
#[component]
fn Field(
    view: SettingView,
    status: RwSignal<SaveStatus>,
    audit_version: RwSignal<u32>,
    public_url: RwSignal<String>,
) -> impl IntoView {
    let key = view.key;
    let i18n = use_i18n();
    let locale = use_locale();
    let id = format!("setting-{}", key.as_str());
    let save = ServerAction::<SaveSetting>::new();
    let error = RwSignal::new(None::<String>);
    // Refused values mark the control (red border, announced by screen readers).
    let invalid = move || error.get().is_some().then_some("true");
    let hint = RwSignal::new(view.secret_hint.clone());
    let text = RwSignal::new(view.value.clone());
    let last_saved = StoredValue::new(view.value.clone());
    let replacing = RwSignal::new(false);
    let typing = StoredValue::new(0u64);
    // The typing generation a save was sent at: its answer may replace the text (the server
    // stores "06 12 34 56 78" as "+33612345678") only if nothing was typed since.
    let sent_at = StoredValue::new(0u64);

    Effect::new(move |_| match save.value().get() {
        Some(Ok(saved)) => {
            error.set(None);
            status.set(SaveStatus::Saved);
            last_saved.set_value(saved.value.clone());
            if !key.is_secret() && typing.get_value() == sent_at.get_value() {
                text.set(saved.value.clone());
            }
            if key == SettingKey::PublicBaseUrl {
                public_url.set(saved.value.clone());
            }
            if key.is_secret() {
                hint.set(saved.secret_hint.clone());
                text.set(String::new());
                replacing.set(false);
            }
            audit_version.update(|n| *n += 1);
        }
        Some(Err(failure)) => {
            let message = field_message(failure.field_errors(), key.as_str())
                .map_or_else(|| failure.to_string(), |words| server_words(&words, locale));
            error.set(Some(message.clone()));
            let label = key.label_in(locale);
            status.set(SaveStatus::Failed(format!("{label} {message}")));
        }
        None => {}
    });

    let commit = move || {
        let value = text.get_untracked();
        if !key.is_secret() && value == last_saved.get_value() {
            return;
        }
        if key.is_secret() && value.is_empty() {
            return;
        }
        status.set(SaveStatus::Saving);
        sent_at.set_value(typing.get_value());
        save.dispatch(SaveSetting { key, value });
    };
    let on_type = move |value: String| {
        text.set(value);
        typing.update_value(|n| *n += 1);
        let generation = typing.get_value();
        // The field may be gone by then (the page was left): then there is nothing to save.
        set_timeout(
            move || {
                if typing.try_get_value() == Some(generation) {
                    commit();
                }
            },
            Duration::from_millis(800),
        );
    };

    let control = if view.locked() {
        let shown = view.secret_hint.clone().unwrap_or(view.value.clone());
        view! {
            <input id=id.clone() value=shown disabled/>
            <span class="locked">{t!(i18n, settings.connections.set_by_environment)}</span>
        }
        .into_any()
    } else {
        match key.kind() {
            SettingKind::Switch => view! {
                <input id=id.clone() type="checkbox" role="switch" prop:checked=move || text.get() == "true"
                    on:change=move |ev| { text.set(event_target_checked(&ev).to_string()); commit(); }/>
            }
            .into_any(),
            SettingKind::Choice(options) => view! {
                <select id=id.clone() on:change=move |ev| { text.set(event_target_value(&ev)); commit(); }>
                    {options.iter().map(|(value, label)| {
                        let value = *value;
                        let label = SettingKey::choice_label_in(value, locale).unwrap_or(*label);
                        view! { <option value=value selected=move || text.get_untracked() == value>{label}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any(),
            SettingKind::LongText => view! {
                <textarea id=id.clone() rows="4" prop:value=move || text.get() aria-invalid=invalid
                    on:input=move |ev| on_type(event_target_value(&ev)) on:blur=move |_| commit()></textarea>
            }
            .into_any(),
            SettingKind::Secret => view! {
                <Show when=move || hint.get().is_some() && !replacing.get()
                    fallback=move || view! {
                        <input id=format!("setting-{}", key.as_str()) type="password" autocomplete="off"
                            prop:value=move || text.get() aria-invalid=invalid
                            on:input=move |ev| text.set(event_target_value(&ev)) on:blur=move |_| commit()/>
                    }>
                    <span class="secret-hint">{move || hint.get()}</span>
                    <button type="button" class="link-button" on:click=move |_| replacing.set(true)>{t!(i18n, settings.connections.replace)}</button>
                </Show>
            }
            .into_any(),
            SettingKind::Text | SettingKind::Number => view! {
                <input id=id.clone() type=if key.kind() == SettingKind::Number { "number" } else { "text" }
                    prop:value=move || text.get() aria-invalid=invalid
                    on:input=move |ev| on_type(event_target_value(&ev)) on:blur=move |_| commit()/>
            }
            .into_any(),
        }
    };
    view! {
        <div class="setting" class:switch=key.kind() == SettingKind::Switch>
            <label for=id.clone()>{key.label_in(locale)}</label>
            <div class="control">{control}</div>
            {move || error.get().map(|message| view! { <span class="field-error" role="alert">{message}</span> })}
        </div>
    }
}

#[component]
fn AuditLog(
    entries: Resource<Result<Vec<crate::api::AuditEntry>, crate::api::ApiError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let locale = use_locale();
    view! {
        <section class="panel">
            <h2>{t!(i18n, settings.audit.title)}</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let display = crate::use_display();
                    let entries = entries.await.unwrap_or_default();
                    if entries.is_empty() {
                        return view! { <p class="empty">{t!(i18n, settings.audit.empty)}</p> }.into_any();
                    }
                    view! {
                        <table class="audit">
                            <thead><tr>
                                <th>{t!(i18n, settings.audit.when)}</th><th>{t!(i18n, settings.audit.who)}</th>
                                <th>{t!(i18n, settings.audit.setting)}</th><th>{t!(i18n, settings.audit.change)}</th>
                            </tr></thead>
                            <tbody>
                                {entries.into_iter().map(|entry| view! {
                                    <tr>
                                        <td>{display.date_time(entry.at)}</td>
                                        <td>{entry.user}</td>
                                        <td>{format!("{} › {}", entry.key.section().title_in(locale), entry.key.label_in(locale))}</td>
                                        <td>{audit_action(entry.action, locale)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                })}
            </Transition>
        </section>
    }
}

/// An audit entry's action ("changed", "cleared", as stored) in the reader's language.
fn audit_action(action: String, locale: crate::i18n::Locale) -> String {
    match action.as_str() {
        "changed" => td_string!(locale, settings.audit.changed).to_owned(),
        "cleared" => td_string!(locale, settings.audit.cleared).to_owned(),
        _ => action,
    }
}
