//! Settings > Connections: stored setting values (secrets encrypted) and the audit log of changes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum SettingsAudit {
    Table,
    Id,
    At,
    UserId,
    UserName,
    Key,
    Action,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(string_len(Settings::Key, 64).primary_key())
                    .col(text(Settings::Value))
                    .col(timestamp_with_time_zone(Settings::UpdatedAt))
                    .col(integer_null(Settings::UpdatedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SettingsAudit::Table)
                    .col(pk_auto(SettingsAudit::Id))
                    .col(timestamp_with_time_zone(SettingsAudit::At))
                    .col(integer_null(SettingsAudit::UserId))
                    .col(string(SettingsAudit::UserName))
                    .col(string_len(SettingsAudit::Key, 64))
                    .col(string_len(SettingsAudit::Action, 16))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_settings_audit_at")
                    .table(SettingsAudit::Table)
                    .col(SettingsAudit::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SettingsAudit::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Settings::Table).to_owned())
            .await
    }
}
