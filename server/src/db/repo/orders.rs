//! Orders: the search behind the orders table, reads and writes.

use crate::db::entities::orders::{self, Entity as Orders};
use crate::orders::ValidOrder;
use app::api::{OrderDetail, OrderItem, OrderStatus, OrderSummary};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

/// What to search for, already interpreted (phone-like text parsed into E.164).
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// Matches the customer or driver phone exactly.
    pub phone: Option<String>,
    /// Matches the number (prefix) or the customer name (part, case-insensitive).
    pub text: Option<String>,
    pub status: Option<OrderStatus>,
}

fn condition(search: &Search) -> Condition {
    let mut condition = Condition::all();
    if let Some(status) = search.status {
        condition = condition.add(orders::Column::Status.eq(status.as_str()));
    }
    match (&search.phone, &search.text) {
        (Some(phone), _) => {
            condition = condition.add(
                Condition::any()
                    .add(orders::Column::CustomerPhone.eq(phone.as_str()))
                    .add(orders::Column::DriverPhone.eq(phone.as_str())),
            );
        }
        (None, Some(text)) => {
            let escaped = text
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let part = format!("%{}%", escaped.to_lowercase());
            condition = condition.add(
                Condition::any()
                    .add(orders::Column::Number.starts_with(text.as_str()))
                    .add(
                        Expr::expr(Func::lower(Expr::col(orders::Column::CustomerName)))
                            .like(sea_orm::sea_query::LikeExpr::new(part).escape('\\')),
                    ),
            );
        }
        (None, None) => {}
    }
    condition
}

/// One page (1-based) of matching orders, newest first, and the number of matches.
pub async fn search(
    db: &DatabaseConnection,
    search: &Search,
    page: u64,
    per_page: u64,
) -> Result<(Vec<orders::Model>, u64), DbErr> {
    let filter = condition(search);
    let total = Orders::find().filter(filter.clone()).count(db).await?;
    let rows = Orders::find()
        .filter(filter)
        .order_by_desc(orders::Column::CreatedAt)
        .order_by_desc(orders::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

pub async fn find(db: &DatabaseConnection, id: i32) -> Result<Option<orders::Model>, DbErr> {
    Orders::find_by_id(id).one(db).await
}

/// Whether another order (not `except`) already has this number.
pub async fn number_taken(
    db: &DatabaseConnection,
    number: &str,
    except: Option<i32>,
) -> Result<bool, DbErr> {
    let mut query = Orders::find().filter(orders::Column::Number.eq(number));
    if let Some(id) = except {
        query = query.filter(orders::Column::Id.ne(id));
    }
    Ok(query.count(db).await? > 0)
}

/// Which of these numbers already exist.
pub async fn existing_numbers(
    db: &DatabaseConnection,
    numbers: &[String],
) -> Result<Vec<String>, DbErr> {
    let mut found = Vec::new();
    for chunk in numbers.chunks(500) {
        let rows: Vec<String> = Orders::find()
            .select_only()
            .column(orders::Column::Number)
            .filter(orders::Column::Number.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

fn active_model(order: &ValidOrder, now: DateTime<Utc>) -> orders::ActiveModel {
    orders::ActiveModel {
        number: Set(order.number.clone()),
        status: Set(order.status.as_str().to_owned()),
        customer_name: Set(order.customer_name.clone()),
        customer_phone: Set(order.customer_phone.clone()),
        delivery_address: Set(order.delivery_address.clone()),
        window_start: Set(order.window_start),
        window_end: Set(order.window_end),
        items: Set(serde_json::to_value(&order.items).unwrap_or_default()),
        total_cents: Set(order.total_cents()),
        notes: Set(order.notes.clone()),
        driver_name: Set(order.driver_name.clone()),
        driver_phone: Set(order.driver_phone.clone()),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Inserts one order.
pub async fn insert(db: &impl ConnectionTrait, order: &ValidOrder) -> Result<orders::Model, DbErr> {
    let now = Utc::now();
    let mut model = active_model(order, now);
    model.created_at = Set(now);
    model.insert(db).await
}

/// Inserts many orders in one statement; `created_at` may be given per order (demo and bench data).
pub async fn insert_many(
    db: &impl ConnectionTrait,
    orders_to_insert: &[(ValidOrder, DateTime<Utc>)],
) -> Result<(), DbErr> {
    if orders_to_insert.is_empty() {
        return Ok(());
    }
    let models = orders_to_insert.iter().map(|(order, created)| {
        let mut model = active_model(order, *created);
        model.created_at = Set(*created);
        model
    });
    Orders::insert_many(models).exec(db).await.map(drop)
}

/// Replaces every field of an existing order.
pub async fn update(
    db: &DatabaseConnection,
    existing: orders::Model,
    order: &ValidOrder,
) -> Result<orders::Model, DbErr> {
    let mut model = active_model(order, Utc::now());
    model.id = Set(existing.id);
    model.created_at = Set(existing.created_at);
    model.last_contact_at = Set(existing.last_contact_at);
    model.update(db).await
}

fn status_of(model: &orders::Model) -> OrderStatus {
    model.status.parse().unwrap_or_else(|_| {
        tracing::error!(order_id = model.id, status = %model.status, "unknown order status in database");
        OrderStatus::Pending
    })
}

impl From<orders::Model> for OrderSummary {
    fn from(model: orders::Model) -> Self {
        OrderSummary {
            id: i64::from(model.id),
            status: status_of(&model),
            number: model.number,
            customer_name: model.customer_name,
            customer_phone: model.customer_phone,
            window_start: model.window_start,
            window_end: model.window_end,
            total_cents: model.total_cents,
            last_contact_at: model.last_contact_at,
        }
    }
}

impl From<orders::Model> for OrderDetail {
    fn from(model: orders::Model) -> Self {
        let items: Vec<OrderItem> =
            serde_json::from_value(model.items.clone()).unwrap_or_else(|e| {
                tracing::error!(order_id = model.id, error = %e, "order items are not valid JSON");
                Vec::new()
            });
        OrderDetail {
            id: i64::from(model.id),
            status: status_of(&model),
            number: model.number,
            customer_name: model.customer_name,
            customer_phone: model.customer_phone,
            delivery_address: model.delivery_address,
            window_start: model.window_start,
            window_end: model.window_end,
            items,
            total_cents: model.total_cents,
            notes: model.notes,
            driver_name: model.driver_name,
            driver_phone: model.driver_phone,
            last_contact_at: model.last_contact_at,
            created_at: model.created_at,
            updated_at: model.updated_at,
        }
    }
}
