//! The outbox's two claims, made by one statement each so that any number of instances can work
//! the outbox together: the next due message (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
//! workers never wait on or take the same row; SQLite serializes writers by itself), and the
//! next send slot of a sender (`sms_pace`, an upsert that moves the slot forward).

use crate::db::entities::sms_messages;
use app::sms::MessageStatus;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{
    Expr, Func, LockBehavior, LockType, OnConflict, Order, Query, SimpleExpr,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait};

#[derive(sea_orm::DeriveIden)]
enum SmsPace {
    Table,
    Sender,
    NextSlotUs,
}

/// Takes the oldest due `pending` message for one request: it becomes `posting` until
/// `lease_until`, its attempt counted. None when nothing is due (or all due rows are being taken
/// by other workers).
pub async fn claim_next(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<sms_messages::Model>, DbErr> {
    use sms_messages::Column;
    let next = Query::select()
        .column(Column::Id)
        .from(sms_messages::Entity)
        .and_where(Expr::col(Column::Status).eq(MessageStatus::Pending.as_str()))
        .and_where(Expr::col(Column::NextAttemptAt).lte(now))
        .order_by(Column::Id, Order::Asc)
        .limit(1)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .to_owned();
    let claim = Query::update()
        .table(sms_messages::Entity)
        .value(Column::Status, MessageStatus::Posting.as_str())
        .value(Column::LeaseUntil, lease_until)
        .value(Column::UpdatedAt, now)
        .value(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .value(
            Column::FirstPostedAt,
            SimpleExpr::from(Func::coalesce([
                Expr::col(Column::FirstPostedAt).into(),
                Expr::val(now).into(),
            ])),
        )
        .and_where(Expr::col(Column::Id).in_subquery(next))
        .returning_all()
        .to_owned();
    let backend = db.get_database_backend();
    sms_messages::Entity::find()
        .from_raw_sql(backend.build(&claim))
        .one(db)
        .await
}

/// Books the next send slot of `sender`, `spacing_us` apart from the previous one; returns when
/// it starts (microseconds since the epoch; `now_us` or later).
pub async fn book_slot(
    db: &DatabaseConnection,
    sender: &str,
    now_us: i64,
    spacing_us: i64,
) -> Result<i64, DbErr> {
    let next_col = Expr::col((SmsPace::Table, SmsPace::NextSlotUs));
    let moved =
        Expr::expr(Func::greatest([next_col.into(), Expr::val(now_us).into()])).add(spacing_us);
    let upsert = Query::insert()
        .into_table(SmsPace::Table)
        .columns([SmsPace::Sender, SmsPace::NextSlotUs])
        .values_panic([sender.into(), (now_us + spacing_us).into()])
        .on_conflict(
            OnConflict::column(SmsPace::Sender)
                .value(SmsPace::NextSlotUs, moved)
                .to_owned(),
        )
        .returning_col(SmsPace::NextSlotUs)
        .to_owned();
    let backend = db.get_database_backend();
    let row = db
        .query_one(backend.build(&upsert))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the booked slot".into()))?;
    let next: i64 = row.try_get("", "next_slot_us")?;
    Ok(next - spacing_us)
}
