//! Calls: one row per outbound call (created before Twilio is asked, so no call is ever lost), and
//! one row per status Twilio reported, with its sequence number and time.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Calls {
    Table,
    Id,
    OrderId,
    PlacedBy,
    PlacedByName,
    Recipient,
    ToNumber,
    Provider,
    Purpose,
    Status,
    CallSid,
    LastSequence,
    DurationSeconds,
    AnsweredBy,
    SipResponseCode,
    FailureReason,
    MediaTokenHash,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CallEvents {
    Table,
    Id,
    CallId,
    Status,
    SequenceNumber,
    At,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Calls::Table)
                    .col(pk_auto(Calls::Id))
                    .col(integer(Calls::OrderId))
                    .col(integer_null(Calls::PlacedBy))
                    .col(string(Calls::PlacedByName))
                    .col(string_len(Calls::Recipient, 16))
                    .col(string_len(Calls::ToNumber, 20))
                    .col(string_len(Calls::Provider, 16))
                    .col(text(Calls::Purpose))
                    .col(string_len(Calls::Status, 16))
                    .col(string_len_null(Calls::CallSid, 34).unique_key())
                    .col(integer(Calls::LastSequence).default(-1))
                    .col(big_integer_null(Calls::DurationSeconds))
                    .col(string_len_null(Calls::AnsweredBy, 32))
                    .col(integer_null(Calls::SipResponseCode))
                    .col(text_null(Calls::FailureReason))
                    .col(string_len_null(Calls::MediaTokenHash, 64))
                    .col(timestamp_with_time_zone(Calls::CreatedAt))
                    .col(timestamp_with_time_zone(Calls::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Calls::Table, Calls::OrderId)
                            .to(Orders::Table, Orders::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_calls_order")
                    .table(Calls::Table)
                    .col(Calls::OrderId)
                    .col(Calls::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_calls_status")
                    .table(Calls::Table)
                    .col(Calls::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CallEvents::Table)
                    .col(pk_auto(CallEvents::Id))
                    .col(integer(CallEvents::CallId))
                    .col(string_len(CallEvents::Status, 16))
                    .col(integer(CallEvents::SequenceNumber))
                    .col(timestamp_with_time_zone(CallEvents::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CallEvents::Table, CallEvents::CallId)
                            .to(Calls::Table, Calls::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_call_events_call")
                    .table(CallEvents::Table)
                    .col(CallEvents::CallId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CallEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Calls::Table).to_owned())
            .await
    }
}
