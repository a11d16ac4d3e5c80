//! `cluster_events`: live events too large for one PostgreSQL `NOTIFY` payload (8,000 bytes). The
//! instance that raises one stores it here and notifies its id; the others read it by id. Rows
//! older than a minute are deleted by the instance that writes the next one.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ClusterEvents {
    Table,
    Id,
    Payload,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ClusterEvents::Table)
                    .if_not_exists()
                    .col(pk_auto(ClusterEvents::Id))
                    .col(text(ClusterEvents::Payload))
                    .col(timestamp_with_time_zone(ClusterEvents::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ClusterEvents::Table).to_owned())
            .await
    }
}
