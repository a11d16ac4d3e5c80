//! What staff see of a call, and what its tools change on the order.
//!
//! - `call_journal`: one row per finished transcript line (caller or agent) and per tool call,
//!   keyed by call. One table rather than a table of lines plus a table of tool calls, because
//!   staff read a call as one story: "the customer said X, the agent recorded a note, then said
//!   Y". A single serial `id` orders lines and tool calls together exactly as they were stored,
//!   where two tables would have to be merged by timestamps that can tie.
//! - `calls`: tokens used (input, output) and the estimated cost in millionths of a US dollar,
//!   accumulated per response (integers, so adding hundreds of small amounts stays exact), and
//!   the median latency from the caller's end of speech to the agent's first audio.
//! - `orders`: when the customer confirmed the delivery window on a call, and the other window
//!   they asked for (with when they asked).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CallJournal {
    Table,
    Id,
    CallId,
    Kind,
    Text,
    ToolName,
    Arguments,
    Result,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Calls {
    Table,
    Id,
    InputTokens,
    OutputTokens,
    CostEstimateMicrousd,
    LatencyMedianMs,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    WindowConfirmedAt,
    WindowRequest,
    WindowRequestAt,
}

/// Adds one column (SQLite alters one column per statement).
async fn add(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + 'static,
    column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).add_column(column).to_owned())
        .await
}

/// Drops one column.
async fn drop(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + 'static,
    column: impl IntoIden + 'static,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(column).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CallJournal::Table)
                    .col(pk_auto(CallJournal::Id))
                    .col(integer(CallJournal::CallId))
                    // "caller", "agent" (a transcript line) or "tool" (a tool call).
                    .col(string_len(CallJournal::Kind, 16))
                    .col(text_null(CallJournal::Text))
                    .col(string_len_null(CallJournal::ToolName, 64))
                    .col(json_null(CallJournal::Arguments))
                    .col(json_null(CallJournal::Result))
                    .col(timestamp_with_time_zone(CallJournal::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CallJournal::Table, CallJournal::CallId)
                            .to(Calls::Table, Calls::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_call_journal_call")
                    .table(CallJournal::Table)
                    .col(CallJournal::CallId)
                    .col(CallJournal::Id)
                    .to_owned(),
            )
            .await?;
        add(
            manager,
            Calls::Table,
            big_integer(Calls::InputTokens).default(0).to_owned(),
        )
        .await?;
        add(
            manager,
            Calls::Table,
            big_integer(Calls::OutputTokens).default(0).to_owned(),
        )
        .await?;
        add(
            manager,
            Calls::Table,
            big_integer(Calls::CostEstimateMicrousd)
                .default(0)
                .to_owned(),
        )
        .await?;
        add(manager, Calls::Table, integer_null(Calls::LatencyMedianMs)).await?;
        add(
            manager,
            Orders::Table,
            timestamp_with_time_zone_null(Orders::WindowConfirmedAt),
        )
        .await?;
        add(manager, Orders::Table, text_null(Orders::WindowRequest)).await?;
        add(
            manager,
            Orders::Table,
            timestamp_with_time_zone_null(Orders::WindowRequestAt),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Orders::WindowRequestAt,
            Orders::WindowRequest,
            Orders::WindowConfirmedAt,
        ] {
            drop(manager, Orders::Table, column).await?;
        }
        for column in [
            Calls::LatencyMedianMs,
            Calls::CostEstimateMicrousd,
            Calls::OutputTokens,
            Calls::InputTokens,
        ] {
            drop(manager, Calls::Table, column).await?;
        }
        manager
            .drop_table(Table::drop().table(CallJournal::Table).to_owned())
            .await
    }
}
