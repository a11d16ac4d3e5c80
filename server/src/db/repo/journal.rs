//! A call's journal (transcript lines and tool calls, see the `call_journal` entity), the usage
//! and latency kept on the call row, and their conversion to what the order page shows.

use crate::calls::tools;
use crate::db::entities::{call_journal, calls};
use crate::providers::script::Tool;
use app::api::{CallJournal, CallUsage, JournalEntry, Speaker};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde_json::Value;

/// The `kind` of a tool call row (transcript rows use the speaker's name).
const TOOL: &str = "tool";

/// A new journal row of `call_id`, of `kind`, stamped now.
fn row(call_id: i32, kind: &str) -> call_journal::ActiveModel {
    call_journal::ActiveModel {
        call_id: Set(call_id),
        kind: Set(kind.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
}

/// Stores a whole transcript line of `call_id`.
pub async fn insert_line(
    db: &DatabaseConnection,
    call_id: i32,
    speaker: Speaker,
    text: &str,
) -> Result<(), DbErr> {
    let mut line = row(call_id, speaker.as_str());
    line.text = Set(Some(text.to_owned()));
    line.insert(db).await.map(drop)
}

/// Stores a tool call of `call_id` with the arguments the model gave and the result it got.
pub async fn insert_tool_call(
    db: &DatabaseConnection,
    call_id: i32,
    name: &str,
    arguments: &Value,
    result: &Value,
) -> Result<(), DbErr> {
    let mut call = row(call_id, TOOL);
    call.tool_name = Set(Some(name.to_owned()));
    call.arguments = Set(Some(arguments.clone()));
    call.result = Set(Some(result.clone()));
    call.insert(db).await.map(drop)
}

/// The journal rows of these calls, oldest first.
pub async fn for_calls(
    db: &DatabaseConnection,
    call_ids: Vec<i32>,
) -> Result<Vec<call_journal::Model>, DbErr> {
    if call_ids.is_empty() {
        return Ok(Vec::new());
    }
    call_journal::Entity::find()
        .filter(call_journal::Column::CallId.is_in(call_ids))
        .order_by_asc(call_journal::Column::Id)
        .all(db)
        .await
}

/// Adds one response's tokens and estimated cost to the call's totals (in one statement, so
/// responses recorded together cannot lose each other's counts).
pub async fn add_usage(
    db: &DatabaseConnection,
    call_id: i32,
    input_tokens: i64,
    output_tokens: i64,
    cost_microusd: i64,
) -> Result<(), DbErr> {
    calls::Entity::update_many()
        .col_expr(
            calls::Column::InputTokens,
            Expr::col(calls::Column::InputTokens).add(input_tokens),
        )
        .col_expr(
            calls::Column::OutputTokens,
            Expr::col(calls::Column::OutputTokens).add(output_tokens),
        )
        .col_expr(
            calls::Column::CostEstimateMicrousd,
            Expr::col(calls::Column::CostEstimateMicrousd).add(cost_microusd),
        )
        .filter(calls::Column::Id.eq(call_id))
        .exec(db)
        .await
        .map(drop)
}

/// Stores the call's median latency (replacing an earlier measure).
pub async fn set_latency(
    db: &DatabaseConnection,
    call_id: i32,
    median_ms: i32,
) -> Result<(), DbErr> {
    calls::Entity::update_many()
        .col_expr(calls::Column::LatencyMedianMs, Expr::value(median_ms))
        .filter(calls::Column::Id.eq(call_id))
        .exec(db)
        .await
        .map(drop)
}

/// A stored row as the page shows it; `None` for a row of an unknown kind.
fn entry(row: call_journal::Model) -> Option<JournalEntry> {
    let speaker = match row.kind.as_str() {
        "caller" => Some(Speaker::Caller),
        "agent" => Some(Speaker::Agent),
        TOOL => None,
        other => {
            tracing::error!(id = row.id, kind = other, "unknown call journal kind");
            return None;
        }
    };
    if let Some(speaker) = speaker {
        return Some(JournalEntry::Line {
            speaker,
            text: row.text.unwrap_or_default(),
            at: row.created_at,
        });
    }
    let name = row.tool_name.unwrap_or_default();
    let result = row.result.unwrap_or(Value::Null);
    Some(JournalEntry::Tool {
        summary: tools::summary(Tool::from_name(&name), &result),
        arguments: row.arguments.unwrap_or(Value::Null).to_string(),
        result: result.to_string(),
        name,
        at: row.created_at,
    })
}

/// Each call's journal, in the order of `calls`, from the rows of [`for_calls`].
pub fn journals(calls: &[calls::Model], rows: Vec<call_journal::Model>) -> Vec<CallJournal> {
    let mut journals: Vec<CallJournal> = calls
        .iter()
        .map(|call| CallJournal {
            call_id: i64::from(call.id),
            entries: Vec::new(),
            usage: CallUsage {
                input_tokens: call.input_tokens,
                output_tokens: call.output_tokens,
                estimated_cost_microusd: call.cost_estimate_microusd,
            },
            latency_median_ms: call.latency_median_ms,
        })
        .collect();
    for row in rows {
        let call_id = i64::from(row.call_id);
        let Some(journal) = journals.iter_mut().find(|j| j.call_id == call_id) else {
            continue;
        };
        if let Some(entry) = entry(row) {
            journal.entries.push(entry);
        }
    }
    journals
}
