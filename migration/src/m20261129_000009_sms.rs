//! Text messages (issue 11).
//!
//! - `sms_templates`: named bodies with placeholders (`{customer_name}`...), each in a language;
//!   exactly one is the default (the server keeps that true when saving).
//! - `sms_batches`: one bulk send from the orders list: who, which template, how many, and
//!   whether it was cancelled.
//! - `sms_messages`: the outbox and the record in one table. A message is written here, status
//!   `pending`, before any request to Twilio; the worker leases it (`posting`, `lease_until`),
//!   posts it, and stores Twilio's SID and status. A `posting` row whose lease ran out (the
//!   instance died, or Twilio's answer was lost) is resolved by looking the message up at Twilio
//!   before anything is posted again, so a message Twilio accepted is never posted twice. The
//!   unique `sid` makes a second record of one Twilio message impossible.
//! - `sms_suppressions`: numbers that opted out (STOP, or Twilio error 21610); sending to one is
//!   refused.
//! - `sms_replies`: inbound messages, attached to the most recent order of their number; `read_at`
//!   feeds the header's unread count.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SmsTemplates {
    Table,
    Id,
    Name,
    Language,
    Body,
    IsDefault,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SmsBatches {
    Table,
    Id,
    TemplateId,
    CreatedBy,
    Total,
    CancelledAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SmsMessages {
    Table,
    Id,
    OrderId,
    BatchId,
    Recipient,
    ToNumber,
    Body,
    Status,
    Sid,
    ErrorCode,
    ErrorMessage,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    FirstPostedAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SmsSuppressions {
    Table,
    Phone,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SmsReplies {
    Table,
    Id,
    OrderId,
    FromNumber,
    ToNumber,
    Body,
    Sid,
    Keyword,
    CreatedAt,
    ReadAt,
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
                    .table(SmsTemplates::Table)
                    .col(pk_auto(SmsTemplates::Id))
                    .col(string_len_uniq(SmsTemplates::Name, 100))
                    .col(string_len(SmsTemplates::Language, 8))
                    .col(text(SmsTemplates::Body))
                    .col(boolean(SmsTemplates::IsDefault).default(false))
                    .col(timestamp_with_time_zone(SmsTemplates::CreatedAt))
                    .col(timestamp_with_time_zone(SmsTemplates::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SmsBatches::Table)
                    .col(pk_auto(SmsBatches::Id))
                    .col(integer_null(SmsBatches::TemplateId))
                    .col(integer_null(SmsBatches::CreatedBy))
                    .col(integer(SmsBatches::Total))
                    .col(timestamp_with_time_zone_null(SmsBatches::CancelledAt))
                    .col(timestamp_with_time_zone(SmsBatches::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SmsMessages::Table)
                    .col(pk_auto(SmsMessages::Id))
                    .col(integer(SmsMessages::OrderId))
                    .col(integer_null(SmsMessages::BatchId))
                    // "customer" or "driver".
                    .col(string_len(SmsMessages::Recipient, 16))
                    .col(string_len(SmsMessages::ToNumber, 32))
                    .col(text(SmsMessages::Body))
                    // app::sms::MessageStatus: ours (pending, posting) then Twilio's words.
                    .col(string_len(SmsMessages::Status, 24))
                    .col(string_len_null(SmsMessages::Sid, 34).unique_key())
                    .col(integer_null(SmsMessages::ErrorCode))
                    .col(text_null(SmsMessages::ErrorMessage))
                    .col(integer(SmsMessages::Attempts).default(0))
                    .col(timestamp_with_time_zone(SmsMessages::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(SmsMessages::LeaseUntil))
                    .col(timestamp_with_time_zone_null(SmsMessages::FirstPostedAt))
                    .col(integer_null(SmsMessages::CreatedBy))
                    .col(timestamp_with_time_zone(SmsMessages::CreatedAt))
                    .col(timestamp_with_time_zone(SmsMessages::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SmsMessages::Table, SmsMessages::OrderId)
                            .to(Orders::Table, Orders::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SmsMessages::Table, SmsMessages::BatchId)
                            .to(SmsBatches::Table, SmsBatches::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_sms_messages_due",
                vec![SmsMessages::Status, SmsMessages::NextAttemptAt],
            ),
            ("idx_sms_messages_order", vec![SmsMessages::OrderId]),
            ("idx_sms_messages_batch", vec![SmsMessages::BatchId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(SmsMessages::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(SmsSuppressions::Table)
                    .col(string_len(SmsSuppressions::Phone, 32).primary_key())
                    .col(string_len(SmsSuppressions::Reason, 200))
                    .col(timestamp_with_time_zone(SmsSuppressions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SmsReplies::Table)
                    .col(pk_auto(SmsReplies::Id))
                    .col(integer_null(SmsReplies::OrderId))
                    .col(string_len(SmsReplies::FromNumber, 32))
                    .col(string_len(SmsReplies::ToNumber, 32))
                    .col(text(SmsReplies::Body))
                    .col(string_len_uniq(SmsReplies::Sid, 34))
                    // "opt_out", "opt_in" or null.
                    .col(string_len_null(SmsReplies::Keyword, 16))
                    .col(timestamp_with_time_zone(SmsReplies::CreatedAt))
                    .col(timestamp_with_time_zone_null(SmsReplies::ReadAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SmsReplies::Table, SmsReplies::OrderId)
                            .to(Orders::Table, Orders::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sms_replies_order")
                    .table(SmsReplies::Table)
                    .col(SmsReplies::OrderId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SmsReplies::Table.into_iden(),
            SmsSuppressions::Table.into_iden(),
            SmsMessages::Table.into_iden(),
            SmsBatches::Table.into_iden(),
            SmsTemplates::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
