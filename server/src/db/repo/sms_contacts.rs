//! What texts' recipients told us: the suppression list (opted out by STOP or Twilio's 21610)
//! and the replies, attached to an order.

use crate::db::entities::{sms_replies, sms_suppressions};
use app::api::SmsReplyView;
use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

/// Which of `phones` opted out, in one query per 500 numbers (a bulk send asks for thousands).
pub async fn suppressed_among(
    db: &DatabaseConnection,
    phones: &[&str],
) -> Result<std::collections::HashSet<String>, DbErr> {
    let mut suppressed = std::collections::HashSet::new();
    for chunk in phones.chunks(500) {
        let rows = sms_suppressions::Entity::find()
            .filter(sms_suppressions::Column::Phone.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        suppressed.extend(rows.into_iter().map(|row| row.phone));
    }
    Ok(suppressed)
}

/// Puts `phone` on the suppression list (kept as it is when already there).
pub async fn suppress(db: &DatabaseConnection, phone: &str, reason: &str) -> Result<(), DbErr> {
    let row = sms_suppressions::ActiveModel {
        phone: Set(phone.to_owned()),
        reason: Set(reason.to_owned()),
        created_at: Set(Utc::now()),
    };
    sms_suppressions::Entity::insert(row)
        .on_conflict(
            OnConflict::column(sms_suppressions::Column::Phone)
                .do_nothing()
                .to_owned(),
        )
        .do_nothing()
        .exec(db)
        .await
        .map(drop)
}

/// Takes `phone` off the suppression list.
pub async fn unsuppress(db: &DatabaseConnection, phone: &str) -> Result<(), DbErr> {
    sms_suppressions::Entity::delete_by_id(phone.to_owned())
        .exec(db)
        .await
        .map(drop)
}

/// Stores a reply; None when this SID was already stored (Twilio retried the webhook).
pub async fn insert_reply(
    db: &DatabaseConnection,
    reply: sms_replies::ActiveModel,
) -> Result<Option<sms_replies::Model>, DbErr> {
    match reply.insert(db).await {
        Ok(row) => Ok(Some(row)),
        Err(error) if is_unique_violation(&error) => Ok(None),
        Err(error) => Err(error),
    }
}

fn is_unique_violation(error: &DbErr) -> bool {
    matches!(
        error.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// The replies of an order, oldest first.
pub async fn replies_for_order(
    db: &DatabaseConnection,
    order_id: i32,
) -> Result<Vec<sms_replies::Model>, DbErr> {
    sms_replies::Entity::find()
        .filter(sms_replies::Column::OrderId.eq(order_id))
        .order_by_asc(sms_replies::Column::Id)
        .all(db)
        .await
}

/// Marks the replies of an order read.
pub async fn mark_replies_read(db: &DatabaseConnection, order_id: i32) -> Result<(), DbErr> {
    sms_replies::Entity::update_many()
        .col_expr(sms_replies::Column::ReadAt, Expr::value(Utc::now()))
        .filter(sms_replies::Column::OrderId.eq(order_id))
        .filter(sms_replies::Column::ReadAt.is_null())
        .exec(db)
        .await
        .map(drop)
}

/// Replies nobody has read yet.
pub async fn unread_replies(db: &DatabaseConnection) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    sms_replies::Entity::find()
        .filter(sms_replies::Column::ReadAt.is_null())
        .count(db)
        .await
}

impl From<sms_replies::Model> for SmsReplyView {
    fn from(row: sms_replies::Model) -> Self {
        SmsReplyView {
            id: row.id.into(),
            order_id: row.order_id.map(i64::from),
            from_number: row.from_number,
            body: row.body,
            keyword: row.keyword.map(|k| match k.as_str() {
                "opt_out" => "opted out".to_owned(),
                "opt_in" => "opted in again".to_owned(),
                other => other.to_owned(),
            }),
            created_at: row.created_at,
            read: row.read_at.is_some(),
        }
    }
}
