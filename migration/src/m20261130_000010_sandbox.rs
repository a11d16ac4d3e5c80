//! The sandbox account (issue 12): the emulated Twilio's Account SID, auth token and phone number,
//! generated once so that a restart keeps the credentials Orderline was configured with. One row
//! (`id` 1); the token is sealed with the server's secret key (see the server's
//! `sandbox::credentials`), never stored in clear.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SandboxAccount {
    Table,
    Id,
    AccountSid,
    AuthTokenSealed,
    PhoneNumber,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SandboxAccount::Table)
                    .col(integer(SandboxAccount::Id).primary_key())
                    .col(string_len(SandboxAccount::AccountSid, 34))
                    .col(text(SandboxAccount::AuthTokenSealed))
                    .col(string_len(SandboxAccount::PhoneNumber, 20))
                    .col(timestamp_with_time_zone(SandboxAccount::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SandboxAccount::Table).to_owned())
            .await
    }
}
