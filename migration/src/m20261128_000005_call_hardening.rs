//! Calls hardening: the Media Streams token is no longer stored. It is derived (HMAC-SHA256 under
//! a key derived from `ORDERLINE_SECRET_KEY`) from the call id and the time it was issued, so the
//! call keeps only that time (`media_token_issued_at`, set once: a replayed voice webhook gets the
//! same token) and when it was used (`media_token_used_at`, set once: single use). The stored hash
//! of the old random token goes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Calls {
    Table,
    MediaTokenHash,
    MediaTokenIssuedAt,
    MediaTokenUsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One change per statement: SQLite alters one column at a time.
        for column in [Calls::MediaTokenIssuedAt, Calls::MediaTokenUsedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Calls::Table)
                        .add_column(timestamp_with_time_zone_null(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Calls::Table)
                    .drop_column(Calls::MediaTokenHash)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Calls::Table)
                    .add_column(string_len_null(Calls::MediaTokenHash, 64))
                    .to_owned(),
            )
            .await?;
        for column in [Calls::MediaTokenUsedAt, Calls::MediaTokenIssuedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Calls::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
