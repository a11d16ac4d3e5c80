//! Text messages: the outbox rows and their states (see the `sms` migration; suppressions and
//! replies are in `sms_contacts`). Every state change of a message is one conditional `UPDATE`, so two workers (or a
//! worker and a status callback) never both win.

use crate::db::entities::sms_messages;
use app::api::{Recipient, SmsMessageView};
use app::sms::{describe_error, MessageStatus};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

/// A message to write to the outbox.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub order_id: i32,
    pub batch_id: Option<i32>,
    pub recipient: Recipient,
    pub to_number: String,
    pub body: String,
    pub created_by: Option<i32>,
}

fn active(message: NewMessage, now: DateTime<Utc>) -> sms_messages::ActiveModel {
    sms_messages::ActiveModel {
        order_id: Set(message.order_id),
        batch_id: Set(message.batch_id),
        recipient: Set(message.recipient.as_str().to_owned()),
        to_number: Set(message.to_number),
        body: Set(message.body),
        status: Set(MessageStatus::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        created_by: Set(message.created_by),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Writes one message, `pending`; the row.
pub async fn insert(
    db: &impl ConnectionTrait,
    message: NewMessage,
) -> Result<sms_messages::Model, DbErr> {
    active(message, Utc::now()).insert(db).await
}

/// Writes many messages, `pending`, in chunks (one statement per chunk).
pub async fn insert_many(
    db: &impl ConnectionTrait,
    messages: Vec<NewMessage>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let mut rows = messages.into_iter().map(|m| active(m, now)).peekable();
    while rows.peek().is_some() {
        // 11 columns each: well under SQLite's 32,766 bound parameters.
        let chunk: Vec<_> = rows.by_ref().take(500).collect();
        sms_messages::Entity::insert_many(chunk).exec(db).await?;
    }
    Ok(())
}

pub async fn find(db: &DatabaseConnection, id: i32) -> Result<Option<sms_messages::Model>, DbErr> {
    sms_messages::Entity::find_by_id(id).one(db).await
}

pub async fn find_by_sid(
    db: &DatabaseConnection,
    sid: &str,
) -> Result<Option<sms_messages::Model>, DbErr> {
    sms_messages::Entity::find()
        .filter(sms_messages::Column::Sid.eq(sid))
        .one(db)
        .await
}

/// The message a status callback names when its SID is not stored yet (Twilio's callback overtook
/// its answer to our request): the one text of `order_id` to `to` being posted, which then takes
/// that SID. None when there is no such text or more than one.
pub async fn claim_sid_for_posting(
    db: &DatabaseConnection,
    order_id: i32,
    to: &str,
    sid: &str,
) -> Result<Option<sms_messages::Model>, DbErr> {
    let candidates = sms_messages::Entity::find()
        .filter(sms_messages::Column::OrderId.eq(order_id))
        .filter(sms_messages::Column::ToNumber.eq(to))
        .filter(sms_messages::Column::Status.eq(MessageStatus::Posting.as_str()))
        .filter(sms_messages::Column::Sid.is_null())
        .limit(2)
        .all(db)
        .await?;
    let [message] = candidates.as_slice() else {
        return Ok(None);
    };
    let claimed = sms_messages::Entity::update_many()
        .col_expr(sms_messages::Column::Sid, Expr::value(sid))
        .filter(sms_messages::Column::Id.eq(message.id))
        .filter(sms_messages::Column::Sid.is_null())
        .exec(db)
        .await?;
    if claimed.rows_affected == 1 {
        find(db, message.id).await
    } else {
        Ok(None)
    }
}

/// The texts of an order, oldest first.
pub async fn for_order(
    db: &DatabaseConnection,
    order_id: i32,
) -> Result<Vec<sms_messages::Model>, DbErr> {
    sms_messages::Entity::find()
        .filter(sms_messages::Column::OrderId.eq(order_id))
        .order_by_asc(sms_messages::Column::Id)
        .all(db)
        .await
}

/// How many texts wait to be posted or are being posted (the queue's depth).
pub async fn queue_depth(db: &DatabaseConnection) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    sms_messages::Entity::find()
        .filter(sms_messages::Column::Status.is_in([
            MessageStatus::Pending.as_str(),
            MessageStatus::Posting.as_str(),
        ]))
        .count(db)
        .await
}

/// `posting` messages whose lease ran out: their instance died or their answer was lost.
pub async fn unresolved(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<sms_messages::Model>, DbErr> {
    sms_messages::Entity::find()
        .filter(sms_messages::Column::Status.eq(MessageStatus::Posting.as_str()))
        .filter(sms_messages::Column::LeaseUntil.lte(now))
        .order_by_asc(sms_messages::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Takes a message for one request: `pending` (or an expired `posting` being resolved, when
/// `from` says so) becomes `posting` until `lease_until`. False when someone else took it.
pub async fn lease(
    db: &DatabaseConnection,
    message: &sms_messages::Model,
    from: MessageStatus,
    lease_until: DateTime<Utc>,
    count_attempt: bool,
) -> Result<bool, DbErr> {
    let now = Utc::now();
    let mut update = sms_messages::Entity::update_many()
        .col_expr(
            sms_messages::Column::Status,
            Expr::value(MessageStatus::Posting.as_str()),
        )
        .col_expr(sms_messages::Column::LeaseUntil, Expr::value(lease_until))
        .col_expr(sms_messages::Column::UpdatedAt, Expr::value(now))
        .filter(sms_messages::Column::Id.eq(message.id))
        .filter(sms_messages::Column::Status.eq(from.as_str()))
        // The row as it was read: a lease renewed meanwhile by another instance does not match.
        .filter(sms_messages::Column::UpdatedAt.eq(message.updated_at));
    if count_attempt {
        update = update
            .col_expr(
                sms_messages::Column::Attempts,
                Expr::col(sms_messages::Column::Attempts).add(1),
            )
            .col_expr(
                sms_messages::Column::FirstPostedAt,
                Expr::value(message.first_posted_at.unwrap_or(now)),
            );
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// Twilio (or the sandbox, `sandbox`) accepted it: its SID and status (unless a status callback
/// that overtook the answer already moved it on, see `claim_sid_for_posting`).
pub async fn accepted(
    db: &DatabaseConnection,
    id: i32,
    sid: &str,
    status: MessageStatus,
    sandbox: bool,
) -> Result<(), DbErr> {
    sms_messages::Entity::update_many()
        .col_expr(sms_messages::Column::Sid, Expr::value(sid))
        .col_expr(sms_messages::Column::Sandbox, Expr::value(sandbox))
        .col_expr(sms_messages::Column::Status, Expr::value(status.as_str()))
        .col_expr(
            sms_messages::Column::LeaseUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(sms_messages::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(sms_messages::Column::Id.eq(id))
        .filter(sms_messages::Column::Status.eq(MessageStatus::Posting.as_str()))
        .exec(db)
        .await
        .map(drop)
}

/// Back to the outbox, to be tried at `at`.
pub async fn retry_at(db: &DatabaseConnection, id: i32, at: DateTime<Utc>) -> Result<(), DbErr> {
    sms_messages::Entity::update_many()
        .col_expr(
            sms_messages::Column::Status,
            Expr::value(MessageStatus::Pending.as_str()),
        )
        .col_expr(sms_messages::Column::NextAttemptAt, Expr::value(at))
        .col_expr(
            sms_messages::Column::LeaseUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(sms_messages::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(sms_messages::Column::Id.eq(id))
        .filter(sms_messages::Column::Status.eq(MessageStatus::Posting.as_str()))
        .exec(db)
        .await
        .map(drop)
}

/// Keeps it `posting` until `until` (its fate is unknown; resolved by a look-up then).
pub async fn extend_lease(
    db: &DatabaseConnection,
    id: i32,
    until: DateTime<Utc>,
) -> Result<(), DbErr> {
    sms_messages::Entity::update_many()
        .col_expr(sms_messages::Column::LeaseUntil, Expr::value(until))
        .col_expr(sms_messages::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(sms_messages::Column::Id.eq(id))
        .filter(sms_messages::Column::Status.eq(MessageStatus::Posting.as_str()))
        .exec(db)
        .await
        .map(drop)
}

/// Ends it without a Twilio message: `failed` (Twilio refused it) or `canceled` (by staff).
pub async fn close(
    db: &DatabaseConnection,
    id: i32,
    from: &[MessageStatus],
    status: MessageStatus,
    code: Option<i32>,
    reason: &str,
) -> Result<bool, DbErr> {
    let result = sms_messages::Entity::update_many()
        .col_expr(sms_messages::Column::Status, Expr::value(status.as_str()))
        .col_expr(sms_messages::Column::ErrorCode, Expr::value(code))
        .col_expr(sms_messages::Column::ErrorMessage, Expr::value(reason))
        .col_expr(
            sms_messages::Column::LeaseUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(sms_messages::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(sms_messages::Column::Id.eq(id))
        .filter(sms_messages::Column::Status.is_in(from.iter().map(|s| s.as_str())))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Applies a status Twilio reported (merge rule of `app::sms::merge`, compare-and-set on the
/// stored status); the row when it changed.
pub async fn apply_status(
    db: &DatabaseConnection,
    message: &sms_messages::Model,
    incoming: MessageStatus,
    error_code: Option<i32>,
) -> Result<Option<sms_messages::Model>, DbErr> {
    let Some(current) = MessageStatus::parse(&message.status) else {
        return Ok(None);
    };
    let merged = app::sms::merge(current, incoming);
    if merged == current {
        return Ok(None);
    }
    let mut update = sms_messages::Entity::update_many()
        .col_expr(sms_messages::Column::Status, Expr::value(merged.as_str()))
        .col_expr(sms_messages::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(sms_messages::Column::Id.eq(message.id))
        .filter(sms_messages::Column::Status.eq(current.as_str()));
    if merged.is_failure() {
        let code = error_code.or(message.error_code);
        update = update
            .col_expr(sms_messages::Column::ErrorCode, Expr::value(code))
            .col_expr(
                sms_messages::Column::ErrorMessage,
                Expr::value(code.map(|c| describe_error(c.unsigned_abs()))),
            );
    }
    if update.exec(db).await?.rows_affected == 1 {
        find(db, message.id).await
    } else {
        Ok(None)
    }
}

impl From<sms_messages::Model> for SmsMessageView {
    fn from(row: sms_messages::Model) -> Self {
        SmsMessageView {
            id: row.id.into(),
            order_id: row.order_id.into(),
            batch_id: row.batch_id.map(i64::from),
            recipient: if row.recipient == Recipient::Driver.as_str() {
                Recipient::Driver
            } else {
                Recipient::Customer
            },
            to_number: row.to_number,
            body: row.body,
            status: MessageStatus::parse(&row.status).unwrap_or(MessageStatus::Failed),
            error: row.error_message,
            created_at: row.created_at,
            updated_at: row.updated_at,
            sandbox: row.sandbox,
        }
    }
}

pub use super::sms_contacts::*;
