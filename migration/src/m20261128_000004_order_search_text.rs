//! Orders search: `orders.search_text`, the phone digits, number and customer name of each order,
//! lower-cased without accents (see [`crate::search_text`]), filled here for the orders already
//! there. Text is matched anywhere (`LIKE '%...%'`), which scans; the index makes that scan read
//! a narrow index instead of the whole table, and with the status first it serves the status
//! filter too.

use crate::search_text::order_search_text;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    Number,
    CustomerName,
    CustomerPhone,
    DriverPhone,
    Status,
    SearchText,
}

const INDEX: &str = "idx_orders_search";

/// Orders read and rewritten per statement by the backfill.
const BATCH: u64 = 500;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(text(Orders::SearchText).default(""))
                    .to_owned(),
            )
            .await?;
        backfill(manager.get_connection()).await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Orders::Table)
                    .col(Orders::Status)
                    .col(Orders::SearchText)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Orders::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .drop_column(Orders::SearchText)
                    .to_owned(),
            )
            .await
    }
}

/// Computes `search_text` for every order, a batch at a time in id order, each batch written by
/// one `UPDATE ... SET search_text = CASE id WHEN ... END` (the same on SQLite and PostgreSQL).
async fn backfill(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let mut after = 0;
    loop {
        let select = Query::select()
            .columns([
                Orders::Id,
                Orders::Number,
                Orders::CustomerName,
                Orders::CustomerPhone,
                Orders::DriverPhone,
            ])
            .from(Orders::Table)
            .and_where(Expr::col(Orders::Id).gt(after))
            .order_by(Orders::Id, Order::Asc)
            .limit(BATCH)
            .to_owned();
        let rows = db.query_all(backend.build(&select)).await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut texts = CaseStatement::new();
        let mut ids = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i32 = row.try_get("", "id")?;
            let number: String = row.try_get("", "number")?;
            let customer_name: String = row.try_get("", "customer_name")?;
            let customer_phone: String = row.try_get("", "customer_phone")?;
            let driver_phone: Option<String> = row.try_get("", "driver_phone")?;
            let text = order_search_text(
                &number,
                &customer_name,
                [Some(customer_phone.as_str()), driver_phone.as_deref()]
                    .into_iter()
                    .flatten(),
            );
            texts = texts.case(Expr::col(Orders::Id).eq(id), text);
            ids.push(id);
            after = id;
        }
        let update = Query::update()
            .table(Orders::Table)
            .value(Orders::SearchText, texts.finally(""))
            .and_where(Expr::col(Orders::Id).is_in(ids))
            .to_owned();
        db.execute(backend.build(&update)).await?;
    }
}
