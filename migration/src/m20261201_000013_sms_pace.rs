//! `sms_pace`: the next free send slot of each sender (a number or a Messaging Service), in
//! microseconds since the Unix epoch. Every instance books its slots here, so the send rate per
//! sender holds however many instances work the outbox.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SmsPace {
    Table,
    Sender,
    NextSlotUs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SmsPace::Table)
                    .if_not_exists()
                    .col(string(SmsPace::Sender).primary_key())
                    .col(big_integer(SmsPace::NextSlotUs))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SmsPace::Table).to_owned())
            .await
    }
}
