//! `call_journal`: what was said on a call and which tools the agent ran, in the order they were
//! stored (`id`). A transcript line has `text`; a tool call has `tool_name`, `arguments` and
//! `result` (see the migration for why lines and tool calls share one table).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "call_journal")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub call_id: i32,
    /// "caller" or "agent" for a transcript line, "tool" for a tool call.
    pub kind: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub text: Option<String>,
    pub tool_name: Option<String>,
    pub arguments: Option<Json>,
    pub result: Option<Json>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
