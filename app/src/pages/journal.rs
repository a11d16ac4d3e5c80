//! The journals section of an order page: for each call, what the caller and the agent said, the
//! tools the agent ran with their results, the tokens used with their estimated cost, and the
//! latency. The line being said appears live and is replaced by the stored line; the journals
//! reload from the server whenever a whole line or a tool call is stored.

use crate::api::{
    CallJournal, CallStatus, CallUsage, CallView, JournalEntry, Lang, Recipient, Speaker,
};
use crate::i18n::{t, t_string, td_string, use_i18n, Locale};
use crate::live::{merged_calls, reload_on_change, LiveCalls, LiveLine};
use crate::locale::{fill, lang_of, use_locale};
use crate::server_fns::calls::order_journals;
use leptos::prelude::*;

/// Every call's journal. `calls` and `loaded` come with the order page (so server rendering and
/// hydration show the same thing); later changes arrive live.
#[component]
pub fn CallJournals(
    order_id: i64,
    calls: Vec<CallView>,
    loaded: Vec<CallJournal>,
) -> impl IntoView {
    let i18n = use_i18n();
    let live = expect_context::<LiveCalls>();
    let journals = RwSignal::new(loaded);
    reload_on_change(live, live.journal_changes, order_id, move || {
        reload(order_id, journals, live)
    });
    let calls = Memo::new(move |_| {
        live.calls
            .with(|map| merged_calls(calls.clone(), map, order_id))
    });
    let shown = move || {
        let journals = journals.get();
        let lines = live.lines.get();
        let views: Vec<_> = calls
            .get()
            .into_iter()
            .filter_map(|call| {
                let journal = journals.iter().find(|j| j.call_id == call.id).cloned();
                let mut saying: Vec<(Speaker, LiveLine)> = lines
                    .iter()
                    .filter(|((call_id, _), _)| *call_id == call.id)
                    .map(|((_, speaker), line)| (*speaker, line.clone()))
                    .collect();
                saying.sort_by_key(|(speaker, _)| *speaker == Speaker::Agent);
                let empty = journal.as_ref().is_none_or(|j| j.entries.is_empty());
                let running = call.status == CallStatus::InProgress;
                (!empty || !saying.is_empty() || running)
                    .then(|| view! { <JournalView call journal saying/> })
            })
            .collect();
        if views.is_empty() {
            view! { <p class="empty">{t!(i18n, calls.journal.empty)}</p> }.into_any()
        } else {
            views.into_any()
        }
    };
    view! {
        <section class="panel journals" aria-label=move || t_string!(i18n, calls.journal.label)>
            <h2>{t!(i18n, calls.journal.title)}</h2>
            {shown}
        </section>
    }
}

/// Loads the order's journals again, then drops the live whole lines they now hold.
fn reload(order_id: i64, journals: RwSignal<Vec<CallJournal>>, live: LiveCalls) {
    leptos::task::spawn_local(async move {
        match order_journals(order_id).await {
            Ok(fresh) => {
                let stored: Vec<(i64, Speaker, String)> = fresh
                    .iter()
                    .flat_map(|journal| {
                        journal.entries.iter().filter_map(move |entry| match entry {
                            JournalEntry::Line { speaker, text, .. } => {
                                Some((journal.call_id, *speaker, text.clone()))
                            }
                            JournalEntry::Tool { .. } => None,
                        })
                    })
                    .collect();
                journals.set(fresh);
                live.forget_stored_lines(&stored);
            }
            Err(error) => leptos::logging::warn!("journals not reloaded: {error}"),
        }
    });
}

/// One call: usage, transcript, tool calls.
#[component]
fn JournalView(
    call: CallView,
    journal: Option<CallJournal>,
    saying: Vec<(Speaker, LiveLine)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let locale = use_locale();
    let display = crate::use_display();
    let heading = fill(
        match call.recipient {
            Recipient::Customer => td_string!(locale, calls.journal.heading_customer),
            Recipient::Driver => td_string!(locale, calls.journal.heading_driver),
        },
        &[("time", &display.precise_time(call.created_at))],
    );
    let journal = journal.unwrap_or(CallJournal {
        call_id: call.id,
        entries: Vec::new(),
        usage: Default::default(),
        latency_median_ms: None,
    });
    let usage = usage_text(locale, journal.usage);
    let latency = journal.latency_median_ms.map(|ms| {
        let latency = fill(
            td_string!(locale, calls.journal.latency),
            &[("ms", &ms.to_string())],
        );
        format!(" · {latency}")
    });
    let colon = td_string!(locale, calls.colon);
    let (mut lines, mut tools) = (Vec::new(), Vec::new());
    for entry in journal.entries {
        match entry {
            JournalEntry::Line { speaker, text, .. } => lines.push((speaker, text, false)),
            JournalEntry::Tool {
                name,
                arguments,
                result,
                summary,
                at,
            } => tools.push((name, arguments, result, summary, at)),
        }
    }
    lines.extend(
        saying
            .into_iter()
            .map(|(s, line)| (s, line.text, !line.done)),
    );
    let label = heading.clone();
    view! {
        <article class="call-journal" data-call-id=call.id aria-label=label>
            <h3>{heading}</h3>
            <p class="call-usage">{usage}{latency}</p>
            <section aria-label=move || t_string!(i18n, calls.journal.transcript)>
                {if lines.is_empty() {
                    view! { <p class="empty">{t!(i18n, calls.journal.nothing_said)}</p> }.into_any()
                } else {
                    view! {
                        <ol class="transcript">
                            {lines.into_iter().map(|(speaker, text, partial)| view! {
                                <li class=format!("line {}{}", speaker.as_str(), if partial { " partial" } else { "" })
                                    data-speaker=speaker.as_str()>
                                    <span class="speaker">{speaker.label_in(locale)}{colon}</span>
                                    <span class="text">{text}</span>
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }}
            </section>
            {(!tools.is_empty()).then(|| view! {
                <section aria-label=move || t_string!(i18n, calls.journal.tool_calls)>
                    <h4>{t!(i18n, calls.journal.tool_calls)}</h4>
                    <ol class="tool-calls">
                        {tools.into_iter().map(|(name, arguments, result, summary, at)| {
                            let tool = name.clone();
                            view! {
                            <li data-tool=tool>
                                <span class="time">{display.precise_time(at)}</span>" "
                                <code class="tool-name">{name}</code>{colon}
                                <span class="summary">{summary}</span>
                                <details>
                                    <summary>{t!(i18n, calls.journal.arguments_and_result)}</summary>
                                    <pre><code>{arguments}"\n→ "{result}</code></pre>
                                </details>
                            </li>
                        }}).collect_view()}
                    </ol>
                </section>
            })}
        </article>
    }
}

/// "Tokens: 1200 in, 340 out · estimated cost ≈ 3.20 ¢", or that none were counted yet. The
/// estimate is in US cents whatever the business's currency, written the language's way.
fn usage_text(locale: Locale, usage: CallUsage) -> String {
    if usage.input_tokens == 0 && usage.output_tokens == 0 {
        return td_string!(locale, calls.journal.no_tokens).to_owned();
    }
    let cost = match lang_of(locale) {
        Lang::En => usage.cost_label(),
        // Hundredths of a cent, as `Lang::number` writes cents: `≈ 3,20 ¢`.
        lang => format!("≈ {} ¢", lang.number(usage.estimated_cost_microusd / 100)),
    };
    fill(
        td_string!(locale, calls.journal.usage),
        &[
            ("input", &usage.input_tokens.to_string()),
            ("output", &usage.output_tokens.to_string()),
            ("cost", &cost),
        ],
    )
}
