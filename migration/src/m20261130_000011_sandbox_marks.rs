//! `calls.sandbox` and `sms_messages.sandbox`: true for a call placed, or a text sent, through
//! the sandbox (the emulated Twilio) rather than a real Twilio account; the pages mark them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Calls {
    Table,
    Sandbox,
}

#[derive(DeriveIden)]
enum SmsMessages {
    Table,
    Sandbox,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Calls::Table)
                    .add_column(boolean(Calls::Sandbox).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SmsMessages::Table)
                    .add_column(boolean(SmsMessages::Sandbox).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SmsMessages::Table)
                    .drop_column(SmsMessages::Sandbox)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Calls::Table)
                    .drop_column(Calls::Sandbox)
                    .to_owned(),
            )
            .await
    }
}
