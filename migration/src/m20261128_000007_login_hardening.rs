//! Sign-in hardening: the lockout now counts failures per email and IP pair (a growing delay)
//! rather than per email, so the per-email index gives way to one on (email, ip, attempted_at).
//! Under a spread-out attack on one account, that account gathers many rows, and each pair's
//! lookup must not scan them all. (Setup link expiry uses the existing `setup_tokens.created_at`.)

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum LoginAttempts {
    Table,
    Email,
    Ip,
    AttemptedAt,
}

const OLD_INDEX: &str = "idx_login_attempts_email";
const PAIR_INDEX: &str = "idx_login_attempts_email_ip";

/// An index on `login_attempts` over `columns`.
fn index(name: &str, columns: &[LoginAttempts]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(LoginAttempts::Table);
    for column in columns {
        index.col(*column);
    }
    index.to_owned()
}

/// Creates the index `create`, then drops the index named `drop`.
async fn swap_index(
    manager: &SchemaManager<'_>,
    create: IndexCreateStatement,
    drop: &str,
) -> Result<(), DbErr> {
    manager.create_index(create).await?;
    manager
        .drop_index(
            Index::drop()
                .name(drop)
                .table(LoginAttempts::Table)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use LoginAttempts::{AttemptedAt, Email, Ip};
        swap_index(
            manager,
            index(PAIR_INDEX, &[Email, Ip, AttemptedAt]),
            OLD_INDEX,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use LoginAttempts::{AttemptedAt, Email};
        swap_index(manager, index(OLD_INDEX, &[Email, AttemptedAt]), PAIR_INDEX).await
    }
}
